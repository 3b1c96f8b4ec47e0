"""Reminders to coordinators: needs waiting for review and proposals waiting for a
decision longer than ``NOTIFY_WAITING_AFTER_DAYS`` (a daily task)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Notification, Role, User
from accounts.notifications import notify
from needs.models import Need, NeedStatus

from .models import (
    Assignment,
    AssignmentStatus,
)

logger = logging.getLogger(__name__)

A = AssignmentStatus


def notify_waiting_coordinators() -> int:
    """Remind each coordinator, at most once a day and through the digest, of needs
    waiting for review and proposals waiting for a decision longer than
    ``NOTIFY_WAITING_AFTER_DAYS``. Return the number of reminders written."""
    cutoff = timezone.now() - timedelta(days=settings.NOTIFY_WAITING_AFTER_DAYS)
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    written = 0
    coordinators = User.objects.filter(
        is_active=True, role=Role.COORDINATOR
    ).prefetch_related("counties")
    with translation.override(settings.LANGUAGE_CODE):
        for user in coordinators:
            county_ids = [c.pk for c in user.counties.all()]
            if not county_ids:
                continue
            waiting = [
                (
                    "waiting_review",
                    Need.objects.filter(
                        status=NeedStatus.SUBMITTED,
                        school__county_id__in=county_ids,
                        submitted_at__lt=cutoff,
                    ).count(),
                    "needs:review_queue",
                    _("%(count)d needs have waited more than %(days)d days for review"),
                    _("Review the needs"),
                ),
                (
                    "waiting_decision",
                    Assignment.objects.filter(
                        status=A.PROPOSED,
                        need__school__county_id__in=county_ids,
                        created_at__lt=cutoff,
                    ).count(),
                    "matching-proposals",
                    _(
                        "%(count)d proposals have waited more than %(days)d days "
                        "for a decision"
                    ),
                    _("Decide the proposals"),
                ),
            ]
            for kind, count, url_name, title, label in waiting:
                if (
                    not count
                    or Notification.objects.filter(
                        user=user, kind=kind, created_at__gte=today
                    ).exists()
                ):
                    continue
                written += notify(
                    users=[user],
                    title=title
                    % {"count": count, "days": settings.NOTIFY_WAITING_AFTER_DAYS},
                    url=reverse(url_name),
                    action_label=label,
                    kind=kind,
                    urgent=False,
                )
    return written
