"""REST endpoints of this app (DESIGN section 6)."""


def register(router) -> list:
    """Add this app's viewsets to the v1 router; return any extra URL patterns."""
    from .runs_api import register_runs

    register_runs(router)  # matching-runs/, assignments/
    return []
