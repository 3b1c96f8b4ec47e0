"""Telling people what happened to an assignment: an in-app inbox row
(``accounts.Notification``) for each recipient, and an e-mail through Django's mail
backend (console by default) sent only once the transaction has committed."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction

from accounts.models import Notification, Role, User

logger = logging.getLogger(__name__)


def assignment_audience(assignment, *, exclude: User | None = None) -> list[User]:
    """The teacher's account and the active staff accounts of the need's school."""
    users = list(
        User.objects.filter(
            is_active=True, role=Role.SCHOOL_STAFF, school_id=assignment.need.school_id
        ).order_by("id")
    )
    teacher_user_id = assignment.teacher.user_id
    if teacher_user_id and all(u.pk != teacher_user_id for u in users):
        teacher_user = User.objects.filter(pk=teacher_user_id, is_active=True).first()
        if teacher_user is not None:
            users.insert(0, teacher_user)
    return [u for u in users if exclude is None or u.pk != exclude.pk]


def notify(*, users: Iterable[User], title: str, body: str = "", url: str = "") -> int:
    """Create an inbox row per user and e-mail those with an address after commit.

    Return the number of users notified."""
    users = list(users)
    if not users:
        return 0
    Notification.objects.bulk_create(
        [
            Notification(user=user, title=title[:200], body=body, url=url[:300])
            for user in users
        ]
    )
    addresses = [user.email for user in users if user.email]
    if addresses:
        text = f"{body}\n\n{url}" if url else body
        transaction.on_commit(
            lambda: _send(title=title, text=text, addresses=addresses), robust=True
        )
    return len(users)


def _send(*, title: str, text: str, addresses: list[str]) -> None:
    # One message per recipient: nobody sees who else was told. The subject is one
    # line: a line break (a title typed or imported with one) is not allowed in a
    # mail header and would lose the message.
    subject = " ".join(title.split())
    messages = [
        EmailMessage(
            subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[to]
        )
        for to in addresses
    ]
    try:
        get_connection().send_messages(messages)
    except Exception:
        logger.exception("could not e-mail %d notification(s)", len(messages))
