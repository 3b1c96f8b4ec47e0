"""Services of activity logs (帮扶活动): a dispatched teacher logs the work done on an
accepted assignment; the assisted school's staff may dispute an entry, and the
county's coordinator may dismiss the dispute. Disputed activities do not count in
evaluations (evaluations/scoring.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.notifications import notify
from common.services import model_create
from matching.models import Assignment, AssignmentStatus
from needs.attachments import check_files_into, store

from .models import Activity, ActivityAttachment, ActivityKind
from .policies import ACTIVITY


def teacher_of(user):
    """The dispatched-teacher record of a teacher account, or None."""
    if not user.is_authenticated or not user.is_teacher:
        return None
    return getattr(user, "teacher", None)


def _hours(value) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


@transaction.atomic
def activity_log(
    *,
    actor,
    assignment: Assignment,
    date: dt.date,
    kind: str,
    hours,
    local_teachers_reached: int = 0,
    students_reached: int = 0,
    note: str = "",
    reached_names=(),
    files=(),
) -> Activity:
    """Record an activity on the teacher's own accepted assignment, dated inside
    the need's window and not in the future, with optional evidence files and the
    names of the local teachers reached (then the count is at least the names).
    A count above ``ACTIVITY_PLAUSIBLE_REACH`` needs a note saying how."""
    teacher = teacher_of(actor)
    if teacher is None or assignment.teacher_id != teacher.pk:
        raise PermissionDenied(
            _("Only the teacher of an assignment logs activities on it.")
        )
    assignment = Assignment.objects.select_related("need").get(pk=assignment.pk)
    errors: dict[str, list[str]] = {}
    if assignment.status != AssignmentStatus.ACCEPTED:
        errors["assignment"] = [
            _("Activities are logged on accepted assignments; this one is %(status)s.")
            % {"status": assignment.get_status_display()}
        ]
    need = assignment.need
    today = timezone.localdate()
    if date > today:
        errors["date"] = [_("The date cannot be in the future.")]
    elif not need.start_date <= date <= need.end_date:
        errors["date"] = [
            _("The date must fall within the need's period, %(start)s to %(end)s.")
            % {"start": need.start_date.isoformat(), "end": need.end_date.isoformat()}
        ]
    if kind not in ActivityKind.values:
        errors["kind"] = [_("Unknown kind of activity.")]
    number = _hours(hours)
    if number is None or not Decimal(0) < number <= Decimal(24):
        errors["hours"] = [_("Hours must be more than 0 and at most 24.")]
    for field, value in (
        ("local_teachers_reached", local_teachers_reached),
        ("students_reached", students_reached),
    ):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            errors[field] = [_("Give a whole number, 0 or more.")]
    names = clean_names(reached_names)
    if "local_teachers_reached" not in errors:
        if names and not local_teachers_reached:
            local_teachers_reached = len(names)
        elif len(names) > local_teachers_reached:
            errors["local_teachers_reached"] = [
                _("%(names)d names are listed: the count cannot be smaller.")
                % {"names": len(names)}
            ]
        limit = settings.ACTIVITY_PLAUSIBLE_REACH
        if local_teachers_reached > limit and not (note or "").strip():
            errors["note"] = [
                _(
                    "More than %(limit)d local teachers in one activity: say in the "
                    "note how they were reached."
                )
                % {"limit": limit}
            ]
    checked = check_files_into(errors, files)
    if errors:
        raise ValidationError(errors)
    activity = model_create(
        Activity,
        assignment=assignment,
        date=date,
        kind=kind,
        hours=number,
        local_teachers_reached=local_teachers_reached,
        students_reached=students_reached,
        reached_names="\n".join(names),
        note=note or "",
    )
    store(ActivityAttachment, checked, activity=activity)
    return activity


def clean_names(names) -> list[str]:
    """Names of people, from a list or one per line: trimmed, inner spaces
    collapsed, each once (the first spelling kept)."""
    if isinstance(names, str):
        names = names.splitlines()
    seen, cleaned = set(), []
    for name in names or ():
        name = " ".join(str(name).split())[:50]
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            cleaned.append(name)
    return cleaned


def reach_by_assignment(activities) -> list[dict]:
    """Per assignment of the given activities (the undisputed ones): how many, the
    local teachers reached as counted, how many are above the plausible reach, and
    the distinct people named (compared as :func:`clean_names` leaves them, case
    folded). Two queries: the sums in the database, then only the names given."""
    undisputed = activities.filter(disputed=False).order_by()
    limit = settings.ACTIVITY_PLAUSIBLE_REACH
    rows = {
        row["assignment"]: {
            **row,
            "local_teachers_reached": row.pop("counted"),
            "distinct_local_teachers_named": 0,
        }
        for row in undisputed.values("assignment")
        .annotate(
            teacher=F("assignment__teacher"),
            teacher_name=F("assignment__teacher__name"),
            need=F("assignment__need"),
            need_title=F("assignment__need__title"),
            activities=Count("id"),
            counted=Sum("local_teachers_reached"),
            flagged=Count("id", filter=Q(local_teachers_reached__gt=limit)),
        )
        .order_by()
    }
    names: dict[int, set[str]] = {}
    for assignment_id, text in undisputed.exclude(reached_names="").values_list(
        "assignment", "reached_names"
    ):
        names.setdefault(assignment_id, set()).update(
            name.casefold() for name in text.splitlines() if name.strip()
        )
    for assignment_id, people in names.items():
        rows[assignment_id]["distinct_local_teachers_named"] = len(people)
    return sorted(rows.values(), key=lambda r: (r["teacher_name"], r["need_title"]))


@transaction.atomic
def activity_dispute(*, actor, activity: Activity, reason: str) -> Activity:
    """The assisted school's staff flag an activity they dispute, with a reason."""
    activity = ACTIVITY.lock(
        actor, "dispute", activity, related=("assignment__need", "assignment__teacher")
    )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why you dispute this activity.")]})
    activity.disputed = True
    activity.dispute_reason = reason
    activity.full_clean()
    activity.save(update_fields=["disputed", "dispute_reason"])
    # News for the teacher (the county's coordinator settles the dispute): the
    # e-mail waits for the daily digest.
    notify(
        users=User.objects.filter(
            pk=activity.assignment.teacher.user_id, is_active=True
        ),
        title=_("An activity you logged on %(date)s is disputed")
        % {"date": activity.date.isoformat()},
        body=reason,
        url=reverse("activities:list"),
        action_label=_("See your activities"),
        kind="activity_disputed",
        urgent=False,
    )
    return activity


@transaction.atomic
def activity_dismiss_dispute(*, actor, activity: Activity) -> Activity:
    """A coordinator of the county finds the dispute unfounded: the activity
    counts again."""
    activity = ACTIVITY.lock(
        actor, "dismiss_dispute", activity, related=("assignment__need__school",)
    )
    activity.disputed = False
    activity.dispute_reason = ""
    activity.save(update_fields=["disputed", "dispute_reason"])
    return activity
