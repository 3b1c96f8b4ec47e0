"""REST API of planning: scenarios, recruitment plans and team proposals."""

from .proposal_api import register_proposals


def register(router) -> list:
    """Add this app's viewsets to the v1 router; return its extra URL patterns."""
    register_proposals(router)  # team-proposals/
    return []
