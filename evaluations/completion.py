"""How complete the ratings of a cycle are, per subject and per rater role.

A subject's completion is the share of its rater weight that has been submitted:
each rater role with a weight in the subject's framework and at least one rating
task counts its weight times the share of its tasks submitted; the sum is divided
by the weight of those roles. A role without any task (no one can rate in it, e.g.
a teacher with no team peer) is left out, as scoring spreads its weight. A
subject with no rating task at all is complete: nothing is waited for.

A cycle may close when every subject reaches ``EVALUATION_MIN_COMPLETION``
(default 0.6); below that only when forced with a reason, and its results are then
provisional. Two queries for any number of cycles."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.db.models import Count, Q

from .models import (
    Evaluation,
    EvaluationCycle,
    RaterWeight,
    Rating,
    RatingStatus,
    SubjectType,
)


def threshold() -> float:
    return float(settings.EVALUATION_MIN_COMPLETION)


def _framework_ids(cycle: EvaluationCycle) -> dict[str, int | None]:
    return {
        SubjectType.TEACHER: cycle.framework_id,
        SubjectType.TEAM: cycle.team_framework_id,
        SubjectType.SCHOOL: cycle.school_framework_id,
    }


def completion_of(cycles: Iterable[EvaluationCycle]) -> dict[int, dict]:
    """cycle id -> ``{"overall", "minimum", "threshold", "below", "ready",
    "by_role": {role: {"submitted", "total"}}, "subjects": {evaluation id:
    {"subject_type", "ratio", "by_role"}}}``; ``overall`` is the mean of the
    subjects' completion, ``minimum`` the lowest."""
    cycles = list(cycles)
    if not cycles:
        return {}
    framework_ids = {
        fid for c in cycles for fid in _framework_ids(c).values() if fid is not None
    }
    weights: dict[int, dict[str, float]] = defaultdict(dict)
    for framework_id, role, weight in RaterWeight.objects.filter(
        framework_id__in=framework_ids, weight__gt=0
    ).values_list("framework_id", "role", "weight"):
        weights[framework_id][role] = float(weight)
    rows = (
        Rating.objects.filter(evaluation__cycle__in=[c.pk for c in cycles])
        .values(
            "evaluation__cycle_id",
            "evaluation_id",
            "evaluation__subject_type",
            "rater_role",
        )
        .annotate(
            total=Count("id"),
            submitted=Count("id", filter=Q(status=RatingStatus.SUBMITTED)),
        )
        .order_by()
    )
    tasks: dict[int, dict[int, dict]] = defaultdict(dict)
    for row in rows:
        subject = tasks[row["evaluation__cycle_id"]].setdefault(
            row["evaluation_id"],
            {"subject_type": row["evaluation__subject_type"], "by_role": {}},
        )
        subject["by_role"][row["rater_role"]] = {
            "submitted": row["submitted"],
            "total": row["total"],
        }
    minimum_required = threshold()
    result: dict[int, dict] = {}
    for cycle in cycles:
        frameworks = _framework_ids(cycle)
        subjects = tasks.get(cycle.pk, {})
        by_role: dict[str, dict[str, int]] = defaultdict(
            lambda: {"submitted": 0, "total": 0}
        )
        for subject in subjects.values():
            role_weights = weights.get(frameworks[subject["subject_type"]] or 0, {})
            covered = whole = 0.0
            for role, counts in subject["by_role"].items():
                by_role[role]["submitted"] += counts["submitted"]
                by_role[role]["total"] += counts["total"]
                weight = role_weights.get(role, 0.0)
                if weight and counts["total"]:
                    whole += weight
                    covered += weight * counts["submitted"] / counts["total"]
            subject["ratio"] = round(covered / whole, 4) if whole else 1.0
        ratios = [s["ratio"] for s in subjects.values()]
        below = sum(1 for r in ratios if r < minimum_required)
        result[cycle.pk] = {
            "overall": round(sum(ratios) / len(ratios), 4) if ratios else 1.0,
            "minimum": min(ratios) if ratios else 1.0,
            "threshold": minimum_required,
            "below": below,
            "ready": below == 0,
            "by_role": dict(sorted(by_role.items())),
            "subjects": subjects,
        }
    return result


def summary(figures: dict) -> dict:
    """The figures without the per-subject detail (for lists, and for readers who
    may not see every subject)."""
    return {key: value for key, value in figures.items() if key != "subjects"}


def subject_completion(cycle: EvaluationCycle, figures: dict) -> list[dict]:
    """Each subject's completion with its name, lowest first."""
    evaluations = Evaluation.objects.filter(
        pk__in=list(figures["subjects"])
    ).select_related("teacher", "team", "school")
    rows = []
    for evaluation in evaluations:
        subject = figures["subjects"][evaluation.pk]
        rows.append(
            {
                "evaluation": evaluation.pk,
                "subject_type": evaluation.subject_type,
                "subject_id": evaluation.subject_id,
                "name": evaluation.subject_name,
                "ratio": subject["ratio"],
                "by_role": subject["by_role"],
            }
        )
    rows.sort(key=lambda row: (row["ratio"], row["subject_type"], row["name"]))
    return rows
