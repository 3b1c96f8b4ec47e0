"""Writes of the needs app. The state machine and who may take each action are
declared once in :mod:`needs.policies`; every write here goes through it.

A school confirms a need fulfilled only once its window has started and an activity
has been logged on it, or else with a written reason (:func:`need_confirm`).

Every transition is recorded as a :class:`~needs.models.NeedTransition` (who, when,
from, to, comment). A transition the current state does not allow raises
:class:`~common.errors.TransitionNotAllowed` (HTTP 409 naming the state); an
action the actor's role may not take raises ``PermissionDenied`` (403); bad input
raises ``ValidationError`` with messages per field (400). In each case nothing is
stored: the checks run before the first write, inside one transaction, on the need's
row locked with ``SELECT ... FOR UPDATE`` so that two concurrent requests serialise.

Priority score
--------------
The coordinator's diagnosis scores four indicators from 1 to 5: ``urgency``,
``students_affected``, ``industry_fit`` (fit with local industry) and ``readiness``
(the school's readiness to use the help). Their weighted mean is mapped linearly
from 1-5 onto 0-100::

    priority = round( 100 * sum(w_i * (s_i - 1)) / (4 * sum(w_i)) )

rounded half up, with the weights ``settings.NEED_PRIORITY_WEIGHTS`` (default
urgency 35, students affected 25, industry fit 25, readiness 15). All scores 1 give
0, all scores 5 give 100; urgency 5, students 3, fit 4, readiness 2 give
(35*4 + 25*2 + 25*3 + 15*1) / 400 = 280 / 400 = 70.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import (
    ImproperlyConfigured,
    PermissionDenied,
    ValidationError,
)
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from accounts.policies import actor_role
from common.errors import FieldErrors
from common.services import model_create, model_update
from places.models import County, School, SchoolKind

from .models import Diagnosis, Need, NeedStatus, NeedTransition, PlanGoal, Specialty
from .policies import NEED

S = NeedStatus

EDITABLE_FIELDS = (
    "school",
    "specialty",
    "kind",
    "title",
    "description",
    "headcount",
    "start_date",
    "end_date",
    "urgency",
)

DIAGNOSIS_FIELDS = ("urgency", "students_affected", "industry_fit", "readiness")


class ReviewDecision:
    APPROVE = "approve"
    RETURN = "return"
    REJECT = "reject"
    values = (APPROVE, RETURN, REJECT)


_REVIEW_TARGET = {
    ReviewDecision.APPROVE: S.OPEN,
    ReviewDecision.RETURN: S.DRAFT,
    ReviewDecision.REJECT: S.REJECTED,
}


# ---------------------------------------------------------------------------------
# Priority


def priority_weights() -> dict[str, float]:
    weights = settings.NEED_PRIORITY_WEIGHTS or {}
    if set(weights) != set(DIAGNOSIS_FIELDS) or any(
        not isinstance(w, int | float) or w < 0 for w in weights.values()
    ):
        raise ImproperlyConfigured(
            "NEED_PRIORITY_WEIGHTS must give a non-negative weight to each of "
            + ", ".join(DIAGNOSIS_FIELDS)
        )
    if not sum(weights.values()):
        raise ImproperlyConfigured("NEED_PRIORITY_WEIGHTS must not all be zero")
    return dict(weights)


def priority_score(
    *,
    urgency: int,
    students_affected: int,
    industry_fit: int,
    readiness: int,
    weights: Mapping[str, float] | None = None,
) -> int:
    """The 0-100 priority of a diagnosis (formula in the module docstring)."""
    weights = dict(weights) if weights is not None else priority_weights()
    scores = {
        "urgency": urgency,
        "students_affected": students_affected,
        "industry_fit": industry_fit,
        "readiness": readiness,
    }
    numerator = sum(
        Decimal(str(weights[name])) * (scores[name] - 1) for name in DIAGNOSIS_FIELDS
    )
    denominator = 4 * sum(Decimal(str(weights[name])) for name in DIAGNOSIS_FIELDS)
    value = (100 * numerator / denominator).quantize(Decimal(1), ROUND_HALF_UP)
    return int(value)


# ---------------------------------------------------------------------------------
# Internal helpers


def _lock(need: Need) -> Need:
    return (
        Need.objects.select_for_update(of=("self",))
        .select_related("school")
        .get(pk=need.pk)
    )


def _record(
    need: Need, *, from_status: str, to_status: str, actor: User | None, comment=""
) -> NeedTransition:
    return NeedTransition.objects.create(
        need=need,
        from_status=from_status,
        to_status=to_status,
        actor=actor if actor is not None and actor.is_authenticated else None,
        comment=comment or "",
    )


def _move(
    need: Need,
    *,
    to_status: str,
    actor: User | None,
    comment: str = "",
    extra_fields: Iterable[str] = (),
) -> Need:
    from_status = need.status
    need.status = to_status
    need.full_clean(validate_unique=False, validate_constraints=False)
    need.save(update_fields=["status", "updated_at", *extra_fields])
    _record(
        need, from_status=from_status, to_status=to_status, actor=actor, comment=comment
    )
    return need


def _int_or_none(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _validate_need_fields(values: Mapping[str, Any]) -> None:
    """Field checks the database constraints make, reported per field."""
    errors = FieldErrors()
    headcount = _int_or_none(values.get("headcount"))
    if headcount is not None and not 1 <= headcount <= 10:
        errors.add("headcount", _("Headcount must be between 1 and 10."))
    urgency = _int_or_none(values.get("urgency"))
    if urgency is not None and not 1 <= urgency <= 5:
        errors.add("urgency", _("Urgency must be between 1 and 5."))
    start, end = values.get("start_date"), values.get("end_date")
    if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
        errors.add("end_date", _("The end date cannot be before the start date."))
    school = values.get("school")
    if isinstance(school, School) and school.kind != SchoolKind.ASSISTED:
        errors.add("school", _("Needs are posted by assisted schools only."))
    errors.raise_any()


def _full_clean(need: Need) -> None:
    # Constraints are reported per field by _validate_need_fields; here only the
    # field-level checks (required, choices, lengths) remain.
    need.full_clean(validate_unique=False, validate_constraints=False)


def _require_text(field: str, value: str | None, message) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: [message]})
    return text


# ---------------------------------------------------------------------------------
# Needs: create, edit, delete (draft only)


@transaction.atomic
def need_create(
    *,
    actor: User,
    specialty: Specialty,
    kind: str,
    title: str,
    headcount: int,
    start_date: dt.date,
    end_date: dt.date,
    urgency: int,
    description: str = "",
    school: School | None = None,
) -> Need:
    """A new need in ``draft``. School staff post for their own school (``school``
    may be omitted); another school is refused."""
    NEED.check(actor, "create")
    if actor.is_school_staff and not actor.is_admin:
        if school is not None and school.pk != actor.school_id:
            raise ValidationError(
                {"school": [_("You can only post needs for your own school.")]}
            )
        school = actor.school
    if school is None:
        raise ValidationError({"school": [_("This field is required.")]})
    values = {
        "school": school,
        "specialty": specialty,
        "kind": kind,
        "title": (title or "").strip(),
        "description": (description or "").strip(),
        "headcount": headcount,
        "start_date": start_date,
        "end_date": end_date,
        "urgency": urgency,
    }
    _validate_need_fields(values)
    need = Need(**values, status=S.DRAFT, created_by=actor)
    _full_clean(need)
    need.save()
    _record(need, from_status="", to_status=S.DRAFT, actor=actor)
    return need


@transaction.atomic
def need_update(*, need: Need, actor: User, data: Mapping[str, Any]) -> Need:
    """Change the editable fields of a draft. Other keys are ignored."""
    need = NEED.lock(actor, "update", need, related=("school",))
    changes = {k: v for k, v in data.items() if k in EDITABLE_FIELDS}
    if "school" in changes and not actor.is_admin:
        school = changes["school"]
        if school is None or school.pk != need.school_id:
            raise ValidationError(
                {"school": [_("You can only post needs for your own school.")]}
            )
    for text_field in ("title", "description"):
        if text_field in changes:
            changes[text_field] = (changes[text_field] or "").strip()
    current = {name: getattr(need, name) for name in EDITABLE_FIELDS}
    _validate_need_fields({**current, **changes})
    for name, value in changes.items():
        setattr(need, name, value)
    _full_clean(need)
    changed = [name for name in changes if changes[name] != current[name]]
    if changed:
        need.save(update_fields=[*changed, "updated_at"])
    return need


@transaction.atomic
def need_delete(*, need: Need, actor: User) -> None:
    need = NEED.lock(actor, "delete", need, related=("school",))
    need.delete()


# ---------------------------------------------------------------------------------
# Transitions


@transaction.atomic
def need_submit(*, need: Need, actor: User, comment: str = "") -> Need:
    """draft -> submitted, for a coordinator to review."""
    need = NEED.lock(actor, "submit", need, related=("school",))
    need.submitted_at = timezone.now()
    return _move(
        need,
        to_status=S.SUBMITTED,
        actor=actor,
        comment=(comment or "").strip(),
        extra_fields=["submitted_at"],
    )


def _clean_diagnosis(diagnosis: Mapping[str, Any] | None) -> dict[str, int] | None:
    if diagnosis is None:
        return None
    if not isinstance(diagnosis, Mapping):
        raise ValidationError({"diagnosis": [_("Give the four scores, 1-5 each.")]})
    errors = []
    scores: dict[str, int] = {}
    for name in DIAGNOSIS_FIELDS:
        value = _int_or_none(diagnosis.get(name))
        label = Diagnosis._meta.get_field(name).verbose_name
        if value is None or not 1 <= value <= 5:
            errors.append(
                _("%(indicator)s: give a score from 1 to 5.") % {"indicator": label}
            )
        else:
            scores[name] = value
    if errors:
        raise ValidationError({"diagnosis": errors})
    return scores


def _clean_goals(goals: Iterable[str] | None) -> list[str] | None:
    if goals is None:
        return None
    if isinstance(goals, str):
        raise ValidationError({"goals": [_("Give a list of goals.")]})
    cleaned = []
    max_length = PlanGoal._meta.get_field("text").max_length
    for goal in goals:
        text = str(goal or "").strip()
        if not text:
            continue
        if len(text) > max_length:
            raise ValidationError(
                {
                    "goals": [
                        _("Each goal has at most %(max)d characters.")
                        % {"max": max_length}
                    ]
                }
            )
        cleaned.append(text)
    return cleaned


@transaction.atomic
def need_review(
    *,
    need: Need,
    actor: User,
    decision: str,
    comment: str = "",
    diagnosis: Mapping[str, Any] | None = None,
    goals: Iterable[str] | None = None,
) -> Need:
    """A coordinator's review of a submitted need.

    ``approve`` -> open (a diagnosis is required; the priority score is computed from
    it), ``return`` -> draft (a comment saying what to revise is required),
    ``reject`` -> rejected (a reason is required). A diagnosis or goals given with
    any decision are kept; goals replace the plan's goals."""
    need = NEED.lock(actor, "review", need, related=("school",))
    if decision not in ReviewDecision.values:
        raise ValidationError({"decision": [_("Choose approve, return or reject.")]})
    comment = (comment or "").strip()
    scores = _clean_diagnosis(diagnosis)
    cleaned_goals = _clean_goals(goals)
    if decision == ReviewDecision.APPROVE and scores is None:
        raise ValidationError(
            {"diagnosis": [_("A diagnosis is required to approve a need.")]}
        )
    if decision == ReviewDecision.RETURN and not comment:
        raise ValidationError({"comment": [_("Say what the school should revise.")]})
    if decision == ReviewDecision.REJECT and not comment:
        raise ValidationError({"comment": [_("Give the reason for rejecting.")]})

    extra_fields: list[str] = []
    if scores is not None:
        score = priority_score(**scores)
        record = Diagnosis.objects.filter(need=need).first() or Diagnosis(need=need)
        for name, value in scores.items():
            setattr(record, name, value)
        record.priority_score = score
        record.diagnosed_by = actor
        record.full_clean(exclude=["need"], validate_constraints=False)
        record.save()
        need.priority_score = score
        extra_fields.append("priority_score")
    if cleaned_goals is not None:
        need.goals.all().delete()
        PlanGoal.objects.bulk_create(
            PlanGoal(need=need, text=text, position=position)
            for position, text in enumerate(cleaned_goals, start=1)
        )
    return _move(
        need,
        to_status=_REVIEW_TARGET[decision],
        actor=actor,
        comment=comment,
        extra_fields=extra_fields,
    )


@transaction.atomic
def need_cancel(*, need: Need, actor: User, reason: str) -> Need:
    """Any state before fulfilled -> cancelled; the reason is required."""
    need = NEED.lock(actor, "cancel", need, related=("school",))
    reason = _require_text("reason", reason, _("Give the reason for cancelling."))
    need.cancel_reason = reason
    return _move(
        need,
        to_status=S.CANCELLED,
        actor=actor,
        comment=reason,
        extra_fields=["cancel_reason"],
    )


def confirm_needs_reason(need: Need) -> bool:
    """True while a confirmation needs a written reason: the window has not started,
    or no activity has been logged on the need yet."""
    if need.start_date > timezone.localdate():
        return True
    return not need.assignments.filter(activities__isnull=False).exists()


@transaction.atomic
def need_confirm(
    *, need: Need, actor: User, reason: str = "", comment: str = ""
) -> Need:
    """matched -> fulfilled: the school confirms the help it received.

    Only after the window started and with at least one logged activity; before
    that, or without any activity, a written reason is required."""
    need = NEED.lock(actor, "confirm", need, related=("school",))
    reason = (reason or comment or "").strip()
    if not reason and confirm_needs_reason(need):
        raise ValidationError(
            {
                "reason": [
                    _(
                        "The window of this need starts on %(start)s and no "
                        "activity has been logged yet: say why it is fulfilled "
                        "already."
                    )
                    % {"start": need.start_date.isoformat()}
                    if need.start_date > timezone.localdate()
                    else _(
                        "No activity has been logged on this need: say why it is "
                        "fulfilled."
                    )
                ]
            }
        )
    need.fulfilled_at = timezone.now()
    return _move(
        need,
        to_status=S.FULFILLED,
        actor=actor,
        comment=reason,
        extra_fields=["fulfilled_at"],
    )


@transaction.atomic
def need_reopen(*, need: Need, actor: User, reason: str) -> Need:
    """fulfilled -> matched: a coordinator reopens a need confirmed too early, within
    ``NEED_REOPEN_DAYS`` of its confirmation; the reason is required."""
    need = NEED.lock(actor, "reopen", need, related=("school",))
    reason = _require_text("reason", reason, _("Give the reason for reopening."))
    need.fulfilled_at = None
    return _move(
        need,
        to_status=S.MATCHED,
        actor=actor,
        comment=reason,
        extra_fields=["fulfilled_at"],
    )


@transaction.atomic
def need_mark_matched(need: Need, actor: User | None = None) -> Need:
    """open -> matched once every place is filled (``need.filled == headcount``).

    For the matching app to call when an assignment is accepted. ``actor`` is the
    coordinator who accepted it, or ``None`` for the system; positional or keyword
    arguments both work."""
    need = NEED.lock(actor, "mark_matched", need, related=("school",))
    if need.filled < need.headcount:
        raise ValidationError(
            {
                "filled": [
                    _("%(filled)d of %(headcount)d places are filled.")
                    % {"filled": need.filled, "headcount": need.headcount}
                ]
            }
        )
    need.matched_at = timezone.now()
    return _move(
        need,
        to_status=S.MATCHED,
        actor=actor,
        extra_fields=["matched_at"],
    )


@transaction.atomic
def need_mark_open(need: Need, actor: User | None = None) -> Need:
    """matched -> open once places are missing again (an accepted assignment was
    cancelled), so that the next matching run may fill them. For the matching app;
    ``actor`` is the coordinator who cancelled, or ``None`` for the system."""
    need = _lock(need)
    if need.status != S.MATCHED or need.filled >= need.headcount:
        return need
    return _move(
        need,
        to_status=S.OPEN,
        actor=actor,
        comment=str(_("A place is missing again: an assignment was cancelled.")),
    )


# ---------------------------------------------------------------------------------
# Reference data (admin only): counties and schools


def _require_admin(actor: User) -> None:
    if actor_role(actor) != Role.ADMIN:
        raise PermissionDenied(_("Only programme admins may change this."))


_COUNTY_FIELDS = ("name", "province", "code")
_SCHOOL_FIELDS = ("name", "county", "kind")


@transaction.atomic
def county_create(*, actor: User, name: str, province: str, code: str) -> County:
    _require_admin(actor)
    return model_create(County, name=name, province=province, code=code)


@transaction.atomic
def county_update(*, county: County, actor: User, **changes: Any) -> County:
    _require_admin(actor)
    model_update(county, changes, _COUNTY_FIELDS)
    return county


@transaction.atomic
def school_create(*, actor: User, name: str, county: County, kind: str) -> School:
    _require_admin(actor)
    return model_create(School, name=name, county=county, kind=kind)


@transaction.atomic
def school_update(*, school: School, actor: User, **changes: Any) -> School:
    _require_admin(actor)
    model_update(school, changes, _SCHOOL_FIELDS)
    return school
