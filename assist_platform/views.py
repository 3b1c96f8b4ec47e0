from django.contrib.auth.decorators import login_required
from django.core.exceptions import DisallowedHost
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from accounts.models import Role

# Where each role's work is (issue: each role lands where its work is).
LANDING = {
    Role.ADMIN: "dashboard",
    Role.COORDINATOR: "dashboard",
    Role.SCHOOL_STAFF: "needs:list",
    Role.TEACHER: "my-assignments",
}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    role = Role.ADMIN if request.user.is_admin else request.user.role
    return redirect(LANDING.get(role, "profile"))


@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability, for load balancers and monitors."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except Exception:
        database = "unavailable"
    status = 200 if database == "ok" else 503
    return JsonResponse(
        {"status": "ok" if status == 200 else "degraded", "database": database},
        status=status,
    )


# -- error pages ----------------------------------------------------------------------
# In the base layout, in the visitor's language, with a way back; the API keeps its
# JSON answers (a path under /api/ gets JSON here too).

ERRORS = {
    400: (
        _("The request could not be understood"),
        _("Something in the address or the form was not valid. Go back and try again."),
    ),
    403: (
        _("You may not do this"),
        _(
            "Your account's role or scope does not allow this page or action. If you "
            "think it should, ask your county coordinator."
        ),
    ),
    404: (
        _("Page not found"),
        _(
            "This page does not exist, or it belongs to a school or county outside "
            "your account's scope."
        ),
    ),
    429: (
        _("Too many attempts"),
        _("Please wait a few minutes, then try again."),
    ),
    500: (
        _("Something went wrong on our side"),
        _(
            "The error has been recorded. Nothing you sent was half-saved: try again "
            "in a moment, and tell your coordinator if it keeps happening."
        ),
    ),
}


def error_page(request: HttpRequest, status: int, detail: str = "") -> HttpResponse:
    title, text = ERRORS[status]
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(detail or title)}, status=status)
    back = request.META.get("HTTP_REFERER", "")
    try:
        host = request.get_host()
    except DisallowedHost:  # the very reason for a 400: offer no way back
        host = None
    if host is None or not url_has_allowed_host_and_scheme(
        back, allowed_hosts={host}, require_https=request.is_secure()
    ):
        back = ""
    context = {"status": status, "title": title, "text": text, "detail": detail}
    context["back"] = back
    try:
        return render(request, "error.html", context, status=status)
    except Exception:  # the layout itself failed: say it plainly
        return HttpResponse(
            f"<!DOCTYPE html><title>{status}</title><h1>{escape(title)}</h1>"
            f"<p>{escape(text)}</p><p><a href='/'>{escape(_('Home page'))}</a></p>",
            status=status,
        )


def bad_request(request, exception=None):
    return error_page(request, 400)


def permission_denied(request, exception=None):
    return error_page(request, 403)


def page_not_found(request, exception=None):
    return error_page(request, 404)


def too_many_requests(request, exception=None):
    """429: the same thing was asked for too often (``errors.TooManyRequests``)."""
    response = error_page(request, 429, getattr(exception, "message", ""))
    retry_after = getattr(exception, "retry_after", None)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def server_error(request):
    return error_page(request, 500)
