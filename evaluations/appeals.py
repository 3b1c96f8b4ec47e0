"""Appeals: a subject contests a result within the appeal window; the county's
coordinator answers and may revise the score.

The rules its services check are in :mod:`evaluations.policies`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.notifications import notify
from common.errors import TransitionNotAllowed
from common.services import model_create

from . import scoring
from .models import (
    Appeal,
    AppealStatus,
    CycleStatus,
    Evaluation,
    EvaluationCycle,
    EvaluationStatus,
)
from .policies import EVALUATION_APPEAL
from .ratings import score_value


def appeal_deadline(cycle: EvaluationCycle) -> dt.date | None:
    """The last day a result of the cycle may be appealed."""
    if cycle.closed_at is None:
        return None
    days = int(settings.EVALUATION_APPEAL_DAYS)
    return timezone.localdate(cycle.closed_at) + dt.timedelta(days=days)


@transaction.atomic
def appeal_create(
    *, actor, evaluation: Evaluation, reason: str, today: dt.date | None = None
) -> Appeal:
    """A subject appeals their result within EVALUATION_APPEAL_DAYS after the
    cycle closed; one open appeal per result at a time."""
    EVALUATION_APPEAL.check(actor, "create", evaluation)
    evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    cycle = evaluation.cycle
    if cycle.status != CycleStatus.CLOSED:
        raise TransitionNotAllowed(
            _("evaluation cycle"), cycle.status, cycle.get_status_display(), _("appeal")
        )
    deadline = appeal_deadline(cycle)
    if (today or timezone.localdate()) > deadline:
        raise TransitionNotAllowed(
            _("result"),
            "appeal_closed",
            _("past its appeal window (until %(day)s)") % {"day": deadline},
            _("appeal"),
        )
    if evaluation.appeals.filter(status=AppealStatus.OPEN).exists():
        raise TransitionNotAllowed(
            _("result"), "appealed", _("already under appeal"), _("appeal")
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why you appeal.")]})
    appeal = model_create(Appeal, evaluation=evaluation, appellant=actor, reason=reason)
    # An appeal waits for the coordinators' answer: e-mailed at once.
    notify(
        users=User.objects.filter(
            is_active=True, role=Role.COORDINATOR, counties=cycle.county_id
        ).order_by("pk"),
        title=_("Appeal against a result in %(cycle)s") % {"cycle": cycle.name},
        url=reverse("evaluations:results", args=[cycle.pk]),
        action_label=_("Answer the appeal"),
        kind="appeal",
    )
    return appeal


def _rerank(cycle: EvaluationCycle, subject_type: str) -> None:
    evaluations = list(cycle.evaluations.filter(subject_type=subject_type))
    ranks = scoring.competition_ranks({e.pk: e.score for e in evaluations})
    for evaluation in evaluations:
        evaluation.rank = ranks.get(evaluation.pk)
    Evaluation.objects.bulk_update(evaluations, ["rank"])


@transaction.atomic
def appeal_answer(
    *,
    actor,
    appeal: Appeal,
    answer: str,
    score: Decimal | float | str | None = None,
) -> Appeal:
    """The county's coordinator answers an appeal; with ``score`` the result is
    revised (grade and ranks follow) and the change is kept in its history with
    the answer as its reason."""
    appeal = EVALUATION_APPEAL.lock(
        actor, "answer", appeal, related=("evaluation__cycle",)
    )
    evaluation = appeal.evaluation
    answer = (answer or "").strip()
    errors: dict[str, list[str]] = {}
    if not answer:
        errors["answer"] = [_("Give the answer (and the reason for any revision).")]
    new_score = None
    if score not in (None, ""):
        new_score = score_value(score)
        if new_score is None or not 0 <= new_score <= 100:
            errors["score"] = [_("A score must be between 0 and 100.")]
    if errors:
        raise ValidationError(errors)
    appeal.answer = answer
    appeal.answered_by = actor
    appeal.answered_at = timezone.now()
    appeal.status = AppealStatus.ANSWERED
    appeal.previous_score = evaluation.score
    if new_score is not None:
        new_score = scoring.to_decimal(new_score)
        appeal.revised_score = new_score
        history = list(evaluation.breakdown.get("history", []))
        history.append(
            {
                "at": appeal.answered_at.isoformat(),
                "by": actor.get_username(),
                "from": float(evaluation.score)
                if evaluation.score is not None
                else None,
                "to": float(new_score),
                "reason": answer,
                "appeal": appeal.pk,
            }
        )
        evaluation.breakdown = {**evaluation.breakdown, "history": history}
        evaluation.score = new_score
        evaluation.grade = scoring.grade_for(new_score, settings.EVALUATION_GRADES)
        evaluation.status = EvaluationStatus.SCORED
        evaluation.save(update_fields=["score", "grade", "status", "breakdown"])
        _rerank(evaluation.cycle, evaluation.subject_type)
    appeal.full_clean()
    appeal.save()
    # The answer is news, not a request: its e-mail waits for the daily digest.
    notify(
        users=[appeal.appellant],
        title=_("Your appeal in %(cycle)s was answered")
        % {"cycle": evaluation.cycle.name},
        url=reverse("evaluations:results", args=[evaluation.cycle_id]),
        action_label=_("See the result"),
        kind="appeal_answered",
        urgent=False,
    )
    return appeal
