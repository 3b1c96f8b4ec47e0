"""Background work of accounts: the invitation e-mails, which may be many at once
after a teacher import. Tasks take ids and load what they need."""

from celery import shared_task

from . import invitations


@shared_task(name="accounts.send_invitations", acks_late=True)
def send_invitations(user_ids: list[int], link_base: str) -> int:
    """A one-time link to each account that still waits for its password; a
    redelivered task sends a second link, which works as well as the first."""
    return invitations.send_invitations(user_ids, link_base)
