"""What a reader of a result may see of its raters: the one rule for pages, the API
and exports.

Coordinators of the cycle's county and admins see everything. Anyone else who may
read a result (the teacher evaluated, the staff of the school evaluated) sees the
total, grade, rank and per-indicator scores, and a rater role's own figures only
where that role has at least ``EVALUATION_MIN_RATERS_SHOWN`` raters who submitted:
below that, a role's score is one or two people's scores.

A hidden role's figures could still be worked out when it is the only unknown: the
per-indicator score is the weighted mean of the role scores, so with every other
role's figures shown (and the subject's own self-rating known to them), one hidden
role follows by subtraction. When exactly one role is hidden that way, every
role's figures are hidden."""

from __future__ import annotations

import copy

from django.conf import settings

from accounts.scopes import manages_county

from .models import Evaluation, RaterRole


def min_raters_shown() -> int:
    return int(settings.EVALUATION_MIN_RATERS_SHOWN)


def sees_every_rater(user, evaluation: Evaluation) -> bool:
    return manages_county(user, evaluation.cycle.county_id)


def hidden_roles(breakdown: dict, minimum: int) -> set[str]:
    """The rater roles whose figures a subject may not see."""
    raters = breakdown.get("raters", {})
    hidden = {
        role for role, info in raters.items() if info.get("submitted", 0) < minimum
    }
    # The subject knows their own self-rating: it hides nobody else.
    unknown = {
        role
        for role in hidden
        if role != RaterRole.SELF and raters[role].get("submitted", 0) > 0
    }
    if len(unknown) == 1:
        return set(raters)
    return hidden


def redact(breakdown: dict, minimum: int | None = None) -> dict:
    """A copy of ``breakdown`` without the figures of the hidden roles; each role
    says whether it is ``hidden``."""
    minimum = min_raters_shown() if minimum is None else minimum
    hidden = hidden_roles(breakdown, minimum)
    shown = copy.deepcopy(breakdown)
    for role, info in shown.get("raters", {}).items():
        info["hidden"] = role in hidden
        if role in hidden:
            info["score"] = None
    for row in shown.get("indicators", []):
        # A median of one or two others' scores is their score.
        if row.get("median_of", 0) < minimum:
            row["median"] = None
        row["by_role"] = {
            role: score
            for role, score in (row.get("by_role") or {}).items()
            if role not in hidden
        }
    return shown


def breakdown_for(user, evaluation: Evaluation) -> dict:
    """The evaluation's breakdown as ``user`` may see it."""
    if sees_every_rater(user, evaluation):
        shown = copy.deepcopy(evaluation.breakdown or {})
        for info in shown.get("raters", {}).values():
            info["hidden"] = False
        return shown
    return redact(evaluation.breakdown or {})
