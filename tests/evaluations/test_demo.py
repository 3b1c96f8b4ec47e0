"""The demo's evaluation: one closed cycle with complete, realistic ratings and
results, one open cycle in progress, and the rating load rule on real data."""

from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command

from demo.evaluations import CLOSED_NAME, OPEN_NAME
from evaluations.models import EvaluationCycle, Rating
from needs.models import GoalMark, GoalMarkAttachment, PlanGoal


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_the_demo_has_a_closed_cycle_with_real_results_and_an_open_one(db):
    call_command("load_demo", stdout=StringIO())
    closed = EvaluationCycle.objects.get(name=CLOSED_NAME)
    assert (closed.status, closed.provisional) == ("closed", False)
    ratings = Rating.objects.filter(evaluation__cycle=closed)
    assert not ratings.filter(status="pending").exists()
    grades = Counter(
        closed.evaluations.filter(subject_type="teacher").values_list(
            "grade", flat=True
        )
    )
    assert grades["优秀"] >= 1 and grades["不合格"] == 1
    assert grades["良好"] + grades["合格"] > grades["优秀"]
    failed = closed.evaluations.get(grade="不合格")
    assert failed.breakdown["lowered_by"]  # with its reasons
    # The rating load: a teacher has at most 1 + EVALUATION_MAX_PEER_TASKS tasks.
    per_teacher = Counter(
        ratings.filter(rater__role="teacher").values_list("rater_id", flat=True)
    )
    assert max(per_teacher.values()) <= 6
    # Goals marked by schools and teachers, confirmed (one corrected) but one,
    # which waits: the goals indicator of the closed cycle has real data.
    marks = Counter(GoalMark.objects.values_list("action", "author_role"))
    assert marks[("mark", "school_staff")] >= 3 and marks[("mark", "teacher")] >= 3
    assert marks[("correct", "coordinator")] == 1
    assert PlanGoal.objects.filter(awaiting_confirmation=True).count() == 1
    assert GoalMarkAttachment.objects.exists()
    bases = [
        row["basis"]
        for evaluation in closed.evaluations.filter(subject_type="teacher")
        for row in evaluation.breakdown["indicators"]
        if row.get("metric") == "goals_met" and row["value"] is not None
    ]
    assert len(bases) >= 4
    assert {b["partly"] for b in bases} >= {1} and any(b["not_met"] for b in bases)
    opened = EvaluationCycle.objects.get(name=OPEN_NAME)
    assert opened.status == "open"
    tasks = Rating.objects.filter(evaluation__cycle=opened)
    assert tasks.filter(status="submitted").exists()
    assert tasks.filter(status="pending").exists()
    # Running it again changes nothing.
    before = (
        EvaluationCycle.objects.count(),
        Rating.objects.count(),
        GoalMark.objects.count(),
    )
    call_command("load_demo", stdout=StringIO())
    assert (
        EvaluationCycle.objects.count(),
        Rating.objects.count(),
        GoalMark.objects.count(),
    ) == before
