"""REST API of planning: scenarios, recruitment plans and team proposals."""


def register(router) -> list:
    """Add this app's viewsets to the v1 router; return its extra URL patterns."""
    return []
