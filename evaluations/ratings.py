"""Rating tasks: a rater submits their scores on a subject's rated indicators.

The rules its services check are in :mod:`evaluations.policies`."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import scoring
from .frameworks import framework_for
from .models import (
    Evaluation,
    EvaluationCycle,
    Indicator,
    IndicatorKind,
    Rating,
    RatingScore,
    RatingStatus,
)
from .policies import CYCLE, RATING


def rated_indicators(evaluation: Evaluation) -> list[Indicator]:
    """The subjective leaf indicators a rater scores on this evaluation."""
    framework = framework_for(evaluation.cycle, evaluation.subject_type)
    if framework is None:
        return []
    indicators = list(framework.indicators.all())
    parents = {i.parent_id for i in indicators}
    return [
        i
        for i in indicators
        if i.pk not in parents and i.kind == IndicatorKind.SUBJECTIVE
    ]


def score_value(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


@transaction.atomic
def rating_submit(
    *, actor, rating: Rating, scores: dict[str, Any], comment: str = ""
) -> Rating:
    """A rater's scores (0-100) on every subjective indicator of their task. A
    task may be submitted again while the cycle is open; the last one counts."""
    RATING.check(actor, "submit", rating)
    cycle = EvaluationCycle.objects.select_for_update().get(
        pk=rating.evaluation.cycle_id
    )
    CYCLE.check_state(cycle, "rate")
    rating = (
        Rating.objects.select_for_update()
        .select_related("evaluation__cycle")
        .get(pk=rating.pk)
    )
    indicators = rated_indicators(rating.evaluation)
    by_code = {i.code: i for i in indicators}
    framework = framework_for(rating.evaluation.cycle, rating.evaluation.subject_type)
    all_codes = (
        set(framework.indicators.values_list("code", flat=True)) if framework else set()
    )
    errors: list[str] = []
    if not isinstance(scores, dict):
        raise ValidationError(
            {"scores": [_("Give the scores as {indicator code: 0-100}.")]}
        )
    clean: dict[str, Decimal] = {}
    for code, value in scores.items():
        if code not in all_codes:
            errors.append(_("%(code)s: no such indicator.") % {"code": code})
            continue
        if code not in by_code:
            errors.append(
                _(
                    "%(code)s: this indicator is not rated (it is computed, or "
                    "scored from its sub-indicators)."
                )
                % {"code": code}
            )
            continue
        number = score_value(value)
        if number is None:
            errors.append(_("%(code)s: give a number.") % {"code": code})
        elif not 0 <= number <= 100:
            errors.append(
                _("%(code)s: a score must be between 0 and 100.") % {"code": code}
            )
        else:
            clean[code] = scoring.to_decimal(number)
    missing = [code for code in by_code if code not in scores]
    if missing:
        errors.append(
            _("Score every rated indicator; missing: %(codes)s.")
            % {"codes": ", ".join(missing)}
        )
    if errors:
        raise ValidationError({"scores": errors})

    rating.scores.all().delete()
    RatingScore.objects.bulk_create(
        RatingScore(rating=rating, indicator=by_code[code], score=score)
        for code, score in clean.items()
    )
    rating.comment = comment or ""
    rating.status = RatingStatus.SUBMITTED
    rating.submitted_at = timezone.now()
    rating.full_clean()
    rating.save(update_fields=["comment", "status", "submitted_at"])
    return rating
