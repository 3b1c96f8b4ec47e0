from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from .throttling import clear_account, client_address, reserve_attempt


class ThrottledLoginView(auth_views.LoginView):
    """The sign-in page, refusing with 429 once an account or address has failed too
    often. Django's LoginView already rotates the session key at sign-in."""

    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        username = request.POST.get("username", "")
        verdict = reserve_attempt(username=username, address=client_address(request))
        if not verdict.allowed:
            response = render(
                request,
                "registration/login.html",
                {
                    "form": self.get_form(),
                    "throttled": _(
                        "Too many failed sign-in attempts. Try again in %(minutes)d "
                        "minutes."
                    )
                    % {"minutes": max(1, verdict.retry_after // 60)},
                },
                status=429,
            )
            response["Retry-After"] = str(verdict.retry_after)
            return response
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        clear_account(form.get_user().get_username())
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
