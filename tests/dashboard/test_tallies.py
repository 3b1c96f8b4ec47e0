"""The dashboard's running tallies give the same figures as counting the rows,
on random data and after writes of every kind: state transitions, headcount and
filled places, assignments, activities logged, disputed and deleted, needs
deleted, a school moved to another county; and after compaction."""

import datetime as dt

import pytest
from django.db import connection
from django.db.models import F
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from activities.models import Activity
from dashboard import tallies
from dashboard.models import ActivityTally, BacklogTally, NeedTally, SchoolTally
from dashboard.queries import Period, dashboard_figures
from dashboard.tasks import compact_tallies
from matching.models import AssignmentStatus
from needs.models import Need, NeedStatus, NeedTransition, Specialty

from .. import factories as f
from .conftest import NOW, days

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="tallies are kept by triggers"
    ),
]


def _assert_same(county_ids):
    # As of the fixed test time (the backlog is then counted from the rows) and
    # as of now (from its tallies per day, the days at a bucket's edge counted).
    for now in (NOW, timezone.now()):
        for ids in (county_ids, county_ids[:1]):
            counted = dashboard_figures(ids, now=now, tallies=False)
            tallied = dashboard_figures(ids, now=now, tallies=True)
            assert tallied == counted
    # A period is counted from the rows either way; the activities still come
    # from the tallies.
    period = Period(start=days(-60), end=days(30))
    assert dashboard_figures(
        county_ids, period, now=NOW, tallies=True
    ) == dashboard_figures(county_ids, period, now=NOW, tallies=False)


def test_tallies_equal_the_counted_figures_on_random_data(random_world):
    w, *_ = random_world
    assert NeedTally.objects.exists() and ActivityTally.objects.exists()
    assert BacklogTally.objects.filter(day__isnull=False).exists()
    assert SchoolTally.objects.filter(end_date__isnull=False).exists()
    assert SchoolTally.objects.filter(returned=True, served=True).exists()
    _assert_same([w.county_a.pk, w.county_b.pk])


def test_tallies_stay_equal_after_writes(random_world):
    w, rnd, needs, _assignments = random_world
    counties = [w.county_a.pk, w.county_b.pk]
    # Transitions, one by one and in bulk.
    for need in rnd.sample(needs, 15):
        need.status = rnd.choice(NeedStatus.values)
        need.save(update_fields=["status"])
    Need.objects.filter(status=NeedStatus.SUBMITTED).update(status=NeedStatus.OPEN)
    # Places filled and headcounts changed; a need moved to another specialty.
    for need in rnd.sample(needs, 10):
        need.headcount += 1
        need.filled = rnd.randint(0, need.headcount)
        need.save(update_fields=["headcount", "filled"])
    moved = needs[0]
    moved.specialty = Specialty.objects.exclude(family=moved.specialty.family).first()
    moved.save(update_fields=["specialty"])
    _assert_same(counties)
    # Assignments proposed, accepted, completed.
    open_need = Need.objects.filter(status=NeedStatus.OPEN).first()
    proposal = f.AssignmentFactory(
        need=open_need, teacher=f.TeacherFactory(county=w.county_a)
    )
    proposal.status = AssignmentStatus.ACCEPTED
    proposal.save(update_fields=["status"])
    proposal.status = AssignmentStatus.CANCELLED
    proposal.save(update_fields=["status"])
    proposal.status = AssignmentStatus.ACCEPTED
    proposal.save(update_fields=["status"])
    # Needs returned, and a return forgotten; a confirmation on time.
    for need in rnd.sample(needs, 6):
        NeedTransition.objects.create(
            need=need,
            from_status=NeedStatus.SUBMITTED,
            to_status=rnd.choice([NeedStatus.DRAFT, NeedStatus.OPEN]),
        )
    NeedTransition.objects.filter(to_status=NeedStatus.REJECTED).first().delete()
    confirmed = Need.objects.filter(status=NeedStatus.MATCHED).first()
    confirmed.status = NeedStatus.FULFILLED
    confirmed.fulfilled_at = timezone.now()
    confirmed.save(update_fields=["status", "fulfilled_at"])
    _assert_same(counties)
    # Activities logged, disputed, corrected, deleted.
    logged = f.ActivityFactory(assignment=proposal, date=days(-3))
    logged.disputed = True
    logged.save(update_fields=["disputed"])
    some = Activity.objects.filter(disputed=False).order_by("pk")[:3]
    for activity in some:
        activity.students_reached += 7
        activity.date -= dt.timedelta(days=1)
        activity.save(update_fields=["students_reached", "date"])
    Activity.objects.filter(pk=some[0].pk).delete()
    _assert_same(counties)
    # Corrected in place, on the same day: the count does not change, the sums do.
    for activity in Activity.objects.filter(disputed=False).order_by("pk")[:3]:
        activity.hours += 1
        activity.local_teachers_reached += 2
        activity.save(update_fields=["hours", "local_teachers_reached"])
    Activity.objects.filter(disputed=False).update(
        students_reached=F("students_reached") + 1
    )
    _assert_same(counties)
    # Folding the rows of each key into one changes no figure.
    rows = NeedTally.objects.count() + ActivityTally.objects.count()
    tallies.compact()
    assert NeedTally.objects.count() + ActivityTally.objects.count() < rows
    _assert_same(counties)
    # A need deleted (with what hangs on it), a school moved to the other county.
    doomed = needs[1]
    Activity.objects.filter(assignment__need=doomed).delete()
    doomed.assignments.all().delete()
    doomed.delete()
    w.school_a2.county = w.county_b
    w.school_a2.save(update_fields=["county"])
    _assert_same(counties)
    tallies.compact()
    _assert_same(counties)
    tallies.rebuild()
    _assert_same(counties)


@pytest.mark.usefixtures("random_world")
def test_a_rebuilt_tally_equals_the_kept_one():
    tallies.compact()
    kept = sorted(
        NeedTally.objects.values_list(
            "county_id", "status", "family_id", "needs", "headcount", "filled"
        )
    )
    tallies.rebuild()
    assert (
        sorted(
            NeedTally.objects.values_list(
                "county_id", "status", "family_id", "needs", "headcount", "filled"
            )
        )
        == kept
    )


def test_the_compaction_task_is_scheduled_and_folds_the_rows(random_world):
    assert PeriodicTask.objects.get(task="dashboard.compact_tallies").enabled
    w, _rnd, needs, _assignments = random_world
    for need in needs[:10]:
        need.headcount += 1
        need.save(update_fields=["headcount"])
    keys = NeedTally.objects.values("county_id", "status", "family_id").distinct()
    assert NeedTally.objects.count() > keys.count()
    compact_tallies.delay()
    assert NeedTally.objects.count() == keys.count()
    _assert_same([w.county_a.pk, w.county_b.pk])
