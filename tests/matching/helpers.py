"""Small builders shared by the matching tests."""

import datetime as dt
from collections import Counter

from matching import runs
from matching.models import Assignment, MatchingRun

from .. import factories as f

TODAY = f.TODAY


def open_need(school, specialty, *, headcount=1, priority=60, **extra):
    """An approved (``open``) need with a diagnosed priority."""
    return f.NeedFactory(
        school=school,
        specialty=specialty,
        status="open",
        headcount=headcount,
        priority_score=priority,
        start_date=extra.pop("start_date", TODAY),
        end_date=extra.pop("end_date", TODAY + dt.timedelta(days=90)),
        **extra,
    )


def teacher(county, specialty, *, capacity=1, level=4, home=None, **extra):
    record = f.TeacherFactory(county=county, capacity=capacity, **extra)
    if home is not None:
        record.home_school = home
        record.save(update_fields=["home_school"])
    f.TeacherSkillFactory(teacher=record, specialty=specialty, level=level)
    return record


def run(county=None, **kwargs) -> MatchingRun:
    """Create a run and execute it here, as the task would."""
    record = MatchingRun.objects.create(county=county)
    return runs.matching_run_execute(record.pk, **kwargs)


def live_per_teacher() -> Counter:
    return Counter(
        Assignment.objects.filter(status__in=["proposed", "accepted"]).values_list(
            "teacher_id", flat=True
        )
    )


def assert_within_capacity_and_unique() -> None:
    from teams.models import Teacher

    capacity = dict(Teacher.objects.values_list("id", "capacity"))
    for teacher_id, live in live_per_teacher().items():
        assert live <= capacity[teacher_id], (teacher_id, live)
    pairs = Counter(
        Assignment.objects.filter(status__in=["proposed", "accepted"]).values_list(
            "need_id", "teacher_id"
        )
    )
    assert all(n == 1 for n in pairs.values()), pairs.most_common(3)
