"""The dashboard's running tallies give the same figures as counting the rows,
on random data and after writes of every kind: state transitions, headcount and
filled places, assignments, activities logged, disputed and deleted, needs
deleted, a school moved to another county; and after compaction."""

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.db import connection
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
from .conftest import NOW, ago, days

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


@pytest.fixture
def random_world(world):
    rnd = random.Random(20261205)
    w = world
    specialties = list(Specialty.objects.order_by("pk")[:40])
    schools = [w.school_a, w.school_a2, w.school_b]
    teachers = [
        f.TeacherFactory(county=rnd.choice([w.county_a, w.county_b]), capacity=5)
        for _ in range(12)
    ]
    needs = []
    for _ in range(60):
        status = rnd.choice(NeedStatus.values)
        headcount = rnd.randint(1, 4)
        submitted = rnd.uniform(0, 200)
        needs.append(
            f.NeedFactory(
                school=rnd.choice(schools),
                specialty=rnd.choice(specialties),
                status=status,
                headcount=headcount,
                filled=rnd.randint(0, headcount)
                if status in (NeedStatus.OPEN, NeedStatus.MATCHED)
                else 0,
                submitted_at=None if status == NeedStatus.DRAFT else ago(submitted),
                matched_at=ago(submitted - rnd.uniform(0, submitted))
                if status in (NeedStatus.MATCHED, NeedStatus.FULFILLED)
                else None,
                fulfilled_at=ago(rnd.uniform(0, 200))
                if status == NeedStatus.FULFILLED
                else None,
                start_date=days(rnd.randint(-200, 50)),
                end_date=days(rnd.randint(51, 300)),
                created_by=w.users.staff_a,
            )
        )
    # Waiting needs submitted around the backlog's edges as of now.
    real_now = timezone.now()
    for age in (0, 0.01, 6.99, 7, 7.02, 29.9, 30.1, 89.95, 90.05, 91.5, 92.5, 150):
        f.NeedFactory(
            school=rnd.choice(schools),
            specialty=rnd.choice(specialties),
            status=rnd.choice([NeedStatus.SUBMITTED, NeedStatus.OPEN]),
            headcount=2,
            filled=rnd.randint(0, 2),
            submitted_at=real_now - dt.timedelta(days=age + rnd.uniform(-0.3, 0.3)),
            created_by=w.users.staff_a,
        )
    # Matched needs ending around the confirmation grace as of today.
    today = timezone.localdate()
    for age in range(-2, 20):
        f.NeedFactory(
            school=rnd.choice(schools),
            specialty=rnd.choice(specialties),
            status=NeedStatus.MATCHED,
            submitted_at=real_now - dt.timedelta(days=200),
            start_date=today - dt.timedelta(days=100),
            end_date=today - dt.timedelta(days=age),
            created_by=w.users.staff_a,
        )
    for need in rnd.sample(needs, 12):
        NeedTransition.objects.create(
            need=need,
            from_status=rnd.choice([NeedStatus.SUBMITTED, NeedStatus.OPEN]),
            to_status=rnd.choice([NeedStatus.DRAFT, NeedStatus.REJECTED]),
        )
    assignments = []
    for i, need in enumerate(rnd.sample(needs, 30)):
        assignments.append(
            f.AssignmentFactory(
                need=need,
                teacher=teachers[i % len(teachers)],
                status=rnd.choice(
                    [AssignmentStatus.ACCEPTED, AssignmentStatus.COMPLETED]
                ),
            )
        )
    for assignment in assignments:
        for _ in range(rnd.randint(0, 3)):
            f.ActivityFactory(
                assignment=assignment,
                date=days(rnd.randint(-120, 0)),
                hours=Decimal(rnd.choice(["1.5", "2", "3"])),
                local_teachers_reached=rnd.randint(0, 9),
                students_reached=rnd.randint(0, 50),
                disputed=rnd.random() < 0.1,
            )
    return w, rnd, needs, assignments


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
