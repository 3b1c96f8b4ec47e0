"""The API's authentication, refusing an account that must change its temporary
password first.

Until the person has chosen their own password, every API call but signing out and
changing the password answers 403 with ``"code": "password_change_required"``; a
view lets such an account through by setting ``allowed_before_password_change``.
The check sits in authentication because that is the one step every API view runs,
whatever its permission classes (the pages have
``accounts.middleware.PasswordChangeRequiredMiddleware``)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.authentication import SessionScheme as BaseSessionScheme
from rest_framework import authentication, exceptions

PASSWORD_CHANGE_REQUIRED = "password_change_required"  # noqa: S105 - a code


def refuse_until_password_changed(request, user) -> None:
    if not getattr(user, "must_change_password", False):
        return
    view = (getattr(request, "parser_context", None) or {}).get("view")
    if getattr(view, "allowed_before_password_change", False):
        return
    raise exceptions.PermissionDenied(
        {
            "detail": _(
                "This account signed in with a temporary password: choose a new "
                "password first (POST /api/v1/me/password/)."
            ),
            "code": PASSWORD_CHANGE_REQUIRED,
        }
    )


class SessionAuthentication(authentication.SessionAuthentication):
    """DRF's session authentication (the browser's own calls to the API), with the
    temporary-password rule."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            refuse_until_password_changed(request, result[0])
        return result


class SessionScheme(BaseSessionScheme):
    """The schema's ``cookieAuth``, as for DRF's own session authentication."""

    target_class = SessionAuthentication
    priority = 0
