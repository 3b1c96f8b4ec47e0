"""Pages for an account that signed in with a temporary password: until the person
chooses their own, every page leads to the password page (which says why), except
signing out and choosing the language. The API's side of the rule is in
accounts/authentication.py (API requests pass through here untouched)."""

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse

# URL names an account with a temporary password may still open.
ALLOWED_BEFORE_PASSWORD_CHANGE = frozenset(
    {"password_change", "logout", "admin:logout", "set_language", "health"}
)


def _allowed(request) -> bool:
    path = request.path_info
    if path.startswith(("/api/", "/" + settings.STATIC_URL.lstrip("/"))):
        return True
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return match.view_name in ALLOWED_BEFORE_PASSWORD_CHANGE


class PasswordChangeRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.must_change_password
            and not _allowed(request)
        ):
            target = reverse("password_change")
            if request.headers.get("HX-Request") == "true":
                response = HttpResponse(status=204)
                response["HX-Redirect"] = target
                return response
            return redirect(target)
        return self.get_response(request)
