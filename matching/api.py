"""REST endpoints of this app (DESIGN section 6)."""

from .runs_api import register_runs


def register(router) -> list:
    """Add this app's viewsets to the v1 router; return any extra URL patterns."""
    register_runs(router)  # matching-runs/, assignments/
    return []
