from django.apps import apps
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from common.errors import TransitionNotAllowed
from common.pagination import paged
from places.models import School, SchoolKind

from . import services
from .decorators import coordinator_required
from .forms import PasswordChangeForm, PersonForm
from .invitations import invitation_tokens
from .models import Role, User
from .scopes import managed_accounts, visible
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
            "title": _("My account"),
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
    form_class = PasswordChangeForm

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


# -- forgotten passwords: Django's reset by e-mail ---------------------------------

RESET_MAILS_PER_HOUR = 3


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset by e-mail, in the site's layout. The answer is the same
    whether or not the address is known, and one address gets at most
    ``RESET_MAILS_PER_HOUR`` mails an hour, so nobody can flood another's inbox."""

    template_name = "accounts/password_reset_form.html"
    title = gettext_lazy("Forgotten password")
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        key = "password-reset:" + form.cleaned_data["email"].strip().lower()
        cache.add(key, 0, timeout=3600)
        if cache.incr(key) > RESET_MAILS_PER_HOUR:
            return redirect(self.get_success_url())
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"
    title = gettext_lazy("Forgotten password")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    title = gettext_lazy("Set a new password")
    success_url = reverse_lazy("password_reset_complete")

    def get_context_data(self, **kwargs):
        # Django retitles the page of a spent link; the page's text says so
        # under the page's own title.
        return {**super().get_context_data(**kwargs), "title": self.title}


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"
    title = gettext_lazy("Set a new password")


# -- accounts of teachers and school staff, by their coordinators --------------------


def link_base(request: HttpRequest) -> str:
    """Where the one-time links of e-mails sent for this request point."""
    return request.build_absolute_uri("/")


def _managed(request: HttpRequest):
    return managed_accounts(
        request.user, User.objects.select_related("school", "teacher")
    )


def _account_or_404(request: HttpRequest, pk: int) -> User:
    return get_object_or_404(_managed(request), pk=pk)


@coordinator_required
def people(request: HttpRequest) -> HttpResponse:
    """The accounts of the teachers and school staff of the user's counties, each
    with its state, and the schools with their staff accounts."""
    queryset = _managed(request).order_by("role", "first_name", "username")
    term = request.GET.get("search", "").strip()
    for word in term.split():
        queryset = queryset.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(username__icontains=word)
            | Q(email__icontains=word)
            | Q(school__name__icontains=word)
        )
    role = request.GET.get("role", "")
    if role in (Role.TEACHER, Role.SCHOOL_STAFF):
        queryset = queryset.filter(role=role)
    school_id = request.GET.get("school", "")
    if school_id.isdigit():
        queryset = queryset.filter(school_id=int(school_id))
    schools = (
        visible(request.user, School.objects.filter(kind=SchoolKind.ASSISTED))
        .select_related("county")
        .annotate(
            staff_count=Count(
                "staff", filter=Q(staff__role=Role.SCHOOL_STAFF), distinct=True
            )
        )
        .order_by("county__name", "name")
    )
    return render(
        request,
        "accounts/people.html",
        {
            **paged(request, queryset),
            "chosen": request.GET,
            "schools": schools,
            "roles": [Role.TEACHER, Role.SCHOOL_STAFF],
        },
    )


@coordinator_required
def person_create(request: HttpRequest) -> HttpResponse:
    """A new account for a teacher (``?teacher=``) or a school's staff
    (``?school=``); the person gets a one-time link to choose a password."""
    form_kwargs = {"user": request.user}
    initial: dict = {"role": Role.TEACHER}
    if request.GET.get("teacher"):
        teacher_model = apps.get_model("teams", "Teacher")
        teacher = get_object_or_404(
            visible(request.user, teacher_model.objects.select_related("user")),
            pk=_int_or_404(request.GET["teacher"]),
        )
        if teacher.user_id is not None:
            messages.info(
                request,
                _("%(name)s already has an account.") % {"name": teacher.name},
            )
            return redirect(f"{reverse('people')}?search={teacher.user.username}")
        initial = {"role": Role.TEACHER, "teacher": teacher.pk}
    elif request.GET.get("school"):
        school = get_object_or_404(
            visible(request.user, School.objects.filter(kind=SchoolKind.ASSISTED)),
            pk=_int_or_404(request.GET["school"]),
        )
        initial = {"role": Role.SCHOOL_STAFF, "school": school.pk}
    other_errors: list[str] = []
    if request.method == "POST":
        form = PersonForm(request.POST, **form_kwargs)
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = services.account_invite(
                    actor=request.user,
                    role=data["role"],
                    email=data["email"],
                    name=data["name"],
                    username=data["username"],
                    teacher=data["teacher"],
                    school=data["school"],
                    link_base=link_base(request),
                )
            except ValidationError as exc:
                other_errors = _form_errors(form, exc)
            else:
                messages.success(
                    request,
                    _(
                        "The account of %(name)s was created; a link to choose a "
                        "password was sent to %(email)s."
                    )
                    % {"name": user.get_full_name(), "email": user.email},
                )
                return redirect(f"{reverse('people')}?search={user.username}")
    else:
        form = PersonForm(initial=initial, **form_kwargs)
    return render(
        request,
        "accounts/person_form.html",
        {"title": _("Create an account"), "form": form, "other_errors": other_errors},
    )


def _int_or_404(text: str) -> int:
    if not text.isdigit():
        raise Http404
    return int(text)


def _form_errors(form, exc: ValidationError) -> list[str]:
    """Put a service's field messages on the form; return those of no field."""
    other: list[str] = []
    for field, field_messages in exc.message_dict.items():
        for message in field_messages:
            if field in form.fields:
                form.add_error(field, message)
            else:
                other.append(message)
    return other


@coordinator_required
@require_POST
def person_resend(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account_or_404(request, pk)
    try:
        services.account_invitation_resend(
            actor=request.user, user=account, link_base=link_base(request)
        )
    except TransitionNotAllowed as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("A new link was sent to %(email)s; the earlier ones no longer work.")
            % {"email": account.email},
        )
    return redirect(f"{reverse('people')}?search={account.username}")


@coordinator_required
@require_POST
@never_cache
def person_temporary_password(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue a temporary password and show it, this once."""
    account = _account_or_404(request, pk)
    try:
        password = services.account_temporary_password(actor=request.user, user=account)
    except TransitionNotAllowed as exc:
        messages.error(request, exc.message)
        return redirect(f"{reverse('people')}?search={account.username}")
    return render(
        request,
        "accounts/temporary_password.html",
        {"title": _("Temporary password"), "account": account, "password": password},
    )


class InvitationAcceptView(PasswordResetConfirmView):
    """The one-time link of a new account: choose a password, and be signed in.
    Django's reset page with the invitation's tokens (accounts/invitations.py); as
    there, the token leaves the address for the session before the form shows."""

    template_name = "accounts/invitation_accept.html"
    title = gettext_lazy("Choose your password")
    token_generator = invitation_tokens
    post_reset_login = True
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(
            self.request,
            _(
                "Welcome. Your password is set; next time sign in with the username "
                "%(username)s."
            )
            % {"username": form.user.username},
        )
        return response
