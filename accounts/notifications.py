"""Telling people what happened: :func:`notify` is the one way a notice is written.
Each recipient gets an in-app inbox row (:class:`accounts.models.Notification`),
written in the caller's transaction so that a rolled-back change leaves no notice;
e-mail goes through Django's mail backend (console by default) and leaves only once
that transaction has committed: at once for an urgent notice, else in the daily
digest (:func:`send_digests`, the ``matching.send_notification_digests`` task).

This module knows users and notices only: the callers (needs, matching, activities,
evaluations: apps above this one) decide who is told, with which words and link."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from .models import Notification, User

logger = logging.getLogger(__name__)


def notify(
    *,
    users: Iterable[User],
    title: str,
    body: str = "",
    url: str = "",
    action_label: str = "",
    kind: str = "",
    urgent: bool = True,
) -> int:
    """Create an inbox row per user. Urgent notices are e-mailed (to those with an
    address) once the transaction has committed; the others wait for the daily
    digest (:func:`send_digests`). ``action_label`` names what the link is for.

    Return the number of users notified."""
    users = list(users)
    if not users:
        return 0
    title = str(title)
    now = timezone.now()
    Notification.objects.bulk_create(
        [
            Notification(
                user=user,
                title=title[:200],
                body=body,
                url=url[:300],
                action_label=str(action_label)[:60],
                kind=kind[:40],
                urgent=urgent,
                emailed_at=now if urgent and user.email else None,
            )
            for user in users
        ]
    )
    addresses = [user.email for user in users if user.email]
    if urgent and addresses:
        text = f"{body}\n\n{url}" if url else body
        transaction.on_commit(
            lambda: _send(title=title, text=text, addresses=addresses), robust=True
        )
    return len(users)


def send_digests() -> int:
    """E-mail each user one digest of their non-urgent notices not yet e-mailed, at
    most one a day (local time); return the number of digests sent. Safe to run
    twice or from two workers at once: each user's notices are locked while they
    are marked, and a user who already had a digest today is left for tomorrow."""
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    due_users = (
        Notification.objects.filter(urgent=False, emailed_at__isnull=True)
        .exclude(user__email="")
        .filter(user__is_active=True)
        .values_list("user_id", flat=True)
        .distinct()
    )
    sent = 0
    for user_id in list(due_users):
        with transaction.atomic():
            already = Notification.objects.filter(
                user_id=user_id, urgent=False, emailed_at__gte=today
            ).exists()
            if already:
                continue
            notes = list(
                Notification.objects.select_for_update(skip_locked=True)
                .filter(user_id=user_id, urgent=False, emailed_at__isnull=True)
                .select_related("user")
                .order_by("created_at", "id")
            )
            if not notes:
                continue
            user = notes[0].user
            Notification.objects.filter(pk__in=[n.pk for n in notes]).update(
                emailed_at=timezone.now()
            )
            with translation.override(settings.LANGUAGE_CODE):
                title = gettext("Your daily summary: %(count)d notices") % {
                    "count": len(notes)
                }
                text = "\n\n".join(
                    "\n".join(part for part in (n.title, n.body, n.url) if part)
                    for n in notes
                )
            address = user.email
            transaction.on_commit(
                lambda t=title, x=text, a=address: _send(
                    title=t, text=x, addresses=[a]
                ),
                robust=True,
            )
            sent += 1
    return sent


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
