from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
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
