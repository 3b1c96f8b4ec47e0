"""Who may open a page, for the page views (the API has its permission classes)."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest


def coordinator_required(view):
    """Signed in, and a programme admin or a county coordinator (else 403)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not (request.user.is_admin or request.user.is_coordinator):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped
