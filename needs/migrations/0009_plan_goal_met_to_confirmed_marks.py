"""The outcomes recorded before marks existed (``PlanGoal.met``, set in the admin)
become confirmed marks: True -> met, False -> not met, each with its history row
(the mark by whoever recorded it, and the confirmation it stood for). Unrecorded
goals stay unmarked. Going back, a confirmed met/not met becomes True/False again
(partly met has no old equivalent and becomes unrecorded)."""

from django.db import migrations
from django.utils import timezone

NOTE = "此前在管理后台记录的结果，按已确认迁移。"


def forwards(apps, schema_editor):
    PlanGoal = apps.get_model("needs", "PlanGoal")
    GoalMark = apps.get_model("needs", "GoalMark")
    now = timezone.now()
    marks = []
    for goal in PlanGoal.objects.filter(met__isnull=False).select_related(
        "met_recorded_by"
    ):
        outcome = "met" if goal.met else "not_met"
        recorder = goal.met_recorded_by
        goal.outcome = outcome
        goal.confirmed_outcome = outcome
        goal.marked_by = recorder
        goal.marked_at = now
        goal.confirmed_at = now
        goal.awaiting_confirmation = False
        goal.save(
            update_fields=[
                "outcome",
                "confirmed_outcome",
                "marked_by",
                "marked_at",
                "confirmed_at",
                "awaiting_confirmation",
            ]
        )
        marks.append(
            GoalMark(
                goal=goal,
                action="mark",
                outcome=outcome,
                author=recorder,
                author_role=recorder.role if recorder is not None else "",
            )
        )
        marks.append(
            GoalMark(goal=goal, action="confirm", outcome=outcome, note=NOTE)
        )
    GoalMark.objects.bulk_create(marks)


def backwards(apps, schema_editor):
    PlanGoal = apps.get_model("needs", "PlanGoal")
    for goal in PlanGoal.objects.exclude(confirmed_outcome=""):
        goal.met = {"met": True, "not_met": False}.get(goal.confirmed_outcome)
        goal.met_recorded_by_id = goal.marked_by_id if goal.met is not None else None
        goal.save(update_fields=["met", "met_recorded_by"])


class Migration(migrations.Migration):
    dependencies = [("needs", "0008_plan_goal_marks")]

    operations = [migrations.RunPython(forwards, backwards)]
