"""What a rater sees beside the indicators: the subject's work in the cycle's
period. Totals for everyone who rates (they are the figures the objective
indicators use); the assignments, activities and plan goals themselves only as
far as the rater may see them (the scope module decides)."""

from __future__ import annotations

from django.db.models import Count, Q, Sum

from accounts.scopes import visible
from activities.models import Activity
from matching.models import Assignment
from needs.models import GoalOutcome, Need, PlanGoal

from .facts import served_assignments
from .models import Evaluation, SubjectType


def evidence_for(user, evaluation: Evaluation) -> dict | None:
    """A teacher's evidence in the period (``None`` for other subjects)."""
    if evaluation.subject_type != SubjectType.TEACHER:
        return None
    cycle = evaluation.cycle
    assignments = served_assignments(cycle).filter(teacher_id=evaluation.teacher_id)
    activities = Activity.objects.filter(
        assignment__in=assignments,
        date__gte=cycle.start_date,
        date__lte=cycle.end_date,
    )
    counted = activities.filter(disputed=False)
    totals = counted.aggregate(
        activities=Count("id"),
        hours=Sum("hours"),
        teachers=Sum("local_teachers_reached"),
        students=Sum("students_reached"),
    )
    goals = PlanGoal.objects.filter(need__assignments__in=assignments).distinct()
    # "marked": by the school or a teacher, confirmed or not; "met", "partly" and
    # "not_met": confirmed outcomes, the ones the indicator counts.
    goal_totals = goals.aggregate(
        goals=Count("id", distinct=True),
        marked=Count("id", filter=~Q(outcome=""), distinct=True),
        waiting=Count("id", filter=Q(awaiting_confirmation=True), distinct=True),
        **{
            key: Count("id", filter=Q(confirmed_outcome=outcome), distinct=True)
            for key, outcome in (
                ("met", GoalOutcome.MET),
                ("partly", GoalOutcome.PARTLY),
                ("not_met", GoalOutcome.NOT_MET),
            )
        },
    )
    return {
        "totals": {
            **totals,
            **goal_totals,
            "assignments": assignments.count(),
            "disputed": activities.filter(disputed=True).count(),
        },
        "assignments": list(
            visible(user, Assignment.objects.filter(pk__in=assignments))
            .select_related("need__school")
            .order_by("need__start_date", "id")
        ),
        "activities": list(
            visible(user, Activity.objects.filter(pk__in=activities)).order_by(
                "date", "id"
            )[:50]
        ),
        "goals": list(
            goals.filter(
                need__in=visible(user, Need.objects.filter(assignments__in=assignments))
            )
            .select_related("need")
            .order_by("need_id", "position", "id")
        ),
    }
