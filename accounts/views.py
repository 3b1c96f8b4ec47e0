from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from .throttling import attempt_begin, attempt_succeeded, client_address


class ThrottledLoginView(auth_views.LoginView):
    """The sign-in page, refusing with 429 (and saying why) once failed attempts
    for this account from this address, for this account, or from this address
    reach their limit (accounts/throttling.py). Django's LoginView already rotates
    the session key at sign-in."""

    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        self.attempt = attempt_begin(
            username=request.POST.get("username", ""),
            address=client_address(request),
        )
        if not self.attempt.allowed:
            response = render(
                request,
                "registration/login.html",
                {"form": self.get_form(), "throttled": self.attempt.message()},
                status=429,
            )
            response["Retry-After"] = str(self.attempt.retry_after)
            return response
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        attempt_succeeded(self.attempt)
        return super().form_valid(form)


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """The signed-in user's role and scope."""
    user = request.user
    return render(
        request,
        "accounts/profile.html",
        {
            "counties": user.counties.all(),
            "teacher": getattr(user, "teacher", None),
        },
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    """The signed-in user's own password. Saving it ends every token and session of
    the account (accounts/models.py ``User.save``); this session continues under a
    new key."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("profile")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(
            self.request,
            _(
                "Your password was changed. Your other sessions and your API tokens "
                "have ended."
            ),
        )
        return response
