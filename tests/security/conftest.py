"""A complete world for the access and input tests: in each of counties A and B, a
need in every state, a proposal and an accepted assignment, activities (one
disputed), a team, a matching run, evaluation cycles (draft, open with rating tasks,
closed with results) and a framework of one's own; plus the personas of ``world``.

Objects of county B carry a distinctive marker in their names and titles
(``B_MARK``), so that a leak into a list, a page or an export is easy to see."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import override_settings

from accounts.tokens import token_issue
from activities.models import ActivityAttachment
from assist_platform.celery import app as celery_app
from demo.world import (
    Builder,
    Replay,
    assignment,
    cycle_with_past,
    proposal,
    run_with_past,
)
from evaluations import appeals, cycles, frameworks
from evaluations.models import CycleStatus, Evaluation, Framework, Rating
from matching.models import AssignmentStatus
from needs.attachments import check_files, store
from needs.models import NeedKind, NeedStatus
from needs.threads import need_comment_post
from planning.models import Scenario, TeamProposal

from .. import factories as f
from ..conftest import PASSWORD, build_world

B_MARK = "乙方专属"
# A 1x1 PNG, for the evidence files of threads and activities.
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c49444154789c63382127070002b6010534a675aa0000000049454e44ae426082"
)
START = dt.date(2026, 9, 1)
CYCLE_END = dt.date(2026, 11, 20)
FRAMEWORK_INDICATOR = {
    "code": "T1",
    "name": "教学",
    "weight": 100,
    "kind": "subjective",
    "metric": "",
    "parent": None,
}


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Pages render ``{% static %}`` without a collected manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }


@pytest.fixture
def no_sign_in_throttle(settings):
    settings.LOGIN_THROTTLE_PAIR_FAILURES = 10_000
    settings.LOGIN_THROTTLE_ACCOUNT_FAILURES = 10_000
    settings.LOGIN_THROTTLE_ADDRESS_FAILURES = 10_000
    cache.clear()


def _need(world, side, status, label, *, headcount=1):
    """A need of ``side``'s school taken to ``status`` through the actions."""
    mark = "" if side == "a" else B_MARK
    return Replay().need(
        status,
        staff=world.users.staff_a if side == "a" else world.users.staff_b,
        coordinator=world.users.coord_a if side == "a" else world.users.coord_b,
        school=world.school_a if side == "a" else world.school_b,
        specialty=world.ecommerce if side == "a" else world.accounting,
        kind=NeedKind.TEACHING,
        title=f"{mark}{label}需求{side}",
        description=f"{mark}描述{side}",
        headcount=headcount,
        start_date=START,
        end_date=START + dt.timedelta(days=120),
        urgency=3,
    )


def _side(world, side):
    """Every kind of object in county ``side``; returns name -> object."""
    county = world.county_a if side == "a" else world.county_b
    teacher = world.teacher_a if side == "a" else world.teacher_b
    coordinator = world.users.coord_a if side == "a" else world.users.coord_b
    staff = world.users.staff_a if side == "a" else world.users.staff_b
    school = world.school_a if side == "a" else world.school_b
    mark = "" if side == "a" else B_MARK
    teacher.capacity = 5
    teacher.save(update_fields=["capacity"])
    objs = {
        "draft": _need(world, side, NeedStatus.DRAFT, "草稿"),
        "submitted": _need(world, side, NeedStatus.SUBMITTED, "待审"),
        "open": _need(world, side, NeedStatus.OPEN, "开放", headcount=2),
        # Open until the run's proposal of the teacher is accepted below.
        "matched": _need(world, side, NeedStatus.OPEN, "已匹配"),
    }
    objs["run"] = run_with_past(county=county, started_by=coordinator)
    objs["proposal"] = TeamProposal.objects.create(
        county=county,
        school=school,
        start_date=dt.date(2026, 9, 1),
        end_date=dt.date(2027, 1, 20),
        created_by=coordinator,
    )
    objs["prop"] = proposal(objs["open"], teacher, run=objs["run"])
    objs["acc"] = assignment(
        AssignmentStatus.ACCEPTED,
        need=objs["matched"],
        teacher=teacher,
        actor=coordinator,
        run=objs["run"],
    )
    objs["matched"].refresh_from_db()
    objs["act"] = f.ActivityFactory(
        assignment=objs["acc"],
        date=dt.date(2026, 10, 9),
        note=f"{mark}活动记录{side}",
    )
    objs["disputed"] = f.ActivityFactory(
        assignment=objs["acc"],
        date=dt.date(2026, 10, 10),
        disputed=True,
        dispute_reason=f"{mark}有异议{side}",
    )
    objs["comment"] = need_comment_post(
        need=objs["matched"],
        actor=staff,
        text=f"{mark}留言{side}",
        files=[SimpleUploadedFile(f"photo{side}.png", TINY_PNG, "image/png")],
    )
    objs["photo"] = objs["comment"].attachments.get()
    [objs["act_photo"]] = store(
        ActivityAttachment,
        check_files([SimpleUploadedFile(f"act{side}.png", TINY_PNG, "image/png")]),
        activity=objs["act"],
    )
    objs["team"] = Builder(password=PASSWORD).team(
        county=county,
        name=f"{mark}帮扶团队{side}",
        start_date=START,
        end_date=START + dt.timedelta(days=300),
        leader=teacher,
        members=[teacher],
    )
    by_state = {
        state: cycle_with_past(
            state,
            actor=coordinator,
            county=county,
            name=f"{mark}考核{state}{side}",
            start_date=START,
            end_date=CYCLE_END,
            force=True,
            reason="测试",
        ).cycle
        for state in (CycleStatus.DRAFT, CycleStatus.OPEN, CycleStatus.CLOSED)
    }
    for state, cycle in by_state.items():
        objs[f"cycle_{state}"] = cycle
    in_open = Evaluation.objects.filter(cycle=by_state["open"])
    objs["eval_teacher"] = in_open.get(subject_type="teacher", teacher=teacher)
    objs["eval_school"] = in_open.get(subject_type="school", school=school)
    objs["eval_team"] = in_open.get(subject_type="team", team=objs["team"])
    objs["rating_staff"] = Rating.objects.get(
        evaluation=objs["eval_teacher"], rater=staff
    )
    objs["rating_self"] = Rating.objects.get(
        evaluation=objs["eval_teacher"], rater=teacher.user
    )
    in_closed = Evaluation.objects.filter(cycle=by_state["closed"])
    objs["eval_closed_teacher"] = in_closed.get(teacher=teacher)
    objs["eval_closed_school"] = in_closed.get(school=school)
    objs["appeal"] = appeals.appeal_create(
        actor=teacher.user,
        evaluation=objs["eval_closed_teacher"],
        reason=f"{mark}评分与实际工作不符{side}",
    )
    return {f"{name}_{side}": obj for name, obj in objs.items()}


@pytest.fixture
def full(world, no_sign_in_throttle, settings, tmp_path):
    """``world`` plus every kind of object on both sides. ``full.objs`` maps a
    name (``open_a``, ``team_b``, ``cycle_closed_a``...) to the object and
    ``full.ids`` to its id, with the ``world`` objects and personas added."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return build_full(world)


@pytest.fixture(scope="module")
def module_full(django_db_setup, django_db_blocker, tmp_path_factory):
    """``full`` built ONCE for a module, for the modules whose tests only read it or
    whose changes are rolled back anyway: it is made in a transaction left open
    while the module's tests run, each test in its own savepoint inside it (the
    ``db`` fixture), and rolled back after the last one. Transactional tests cannot
    use it. Within it, the test-wide settings of the autouse fixtures of
    ``tests/conftest.py`` apply (fast hashing, tasks in process); uploads go to a
    directory of the module, which ``full_once`` points MEDIA_ROOT to."""
    media = tmp_path_factory.mktemp("media")
    previous_eager = celery_app.conf.task_always_eager
    overridden = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        MEDIA_ROOT=media,
    )
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
    try:
        with django_db_blocker.unblock(), overridden:
            celery_app.conf.task_always_eager = True
            built = build_full(build_world())
        built.media = media
        yield built
    finally:
        celery_app.conf.task_always_eager = previous_eager
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def full_once(module_full, db, no_sign_in_throttle, settings):
    """What ``full`` gives, from ``module_full``: a module overrides ``full`` (and
    ``world``) with it to build the world once instead of once per test."""
    settings.MEDIA_ROOT = module_full.media
    return module_full


def build_full(world):
    """The objects of ``full`` on top of ``world``."""
    objs = {**_side(world, "a"), **_side(world, "b")}

    def own_framework(coordinator, name):
        return frameworks.framework_create(
            actor=coordinator,
            name=name,
            subject_type="teacher",
            indicators=[FRAMEWORK_INDICATOR],
            rater_weights={"school": 50, "coordinator": 50},
        )

    # County A's frameworks: one no cycle uses, one its draft cycle uses; and B's.
    objs["framework"] = own_framework(world.users.coord_a, "自建体系")
    objs["framework_draft_a"] = own_framework(world.users.coord_a, "草稿考核体系")
    cycles.cycle_update(
        actor=world.users.coord_a,
        cycle=objs["cycle_draft_a"],
        framework=objs["framework_draft_a"],
    )
    objs["framework_b"] = own_framework(world.users.coord_b, f"{B_MARK}自建体系")
    objs["default_framework"] = Framework.objects.filter(
        subject_type="teacher", is_default=True
    ).first()
    objs["scenario_a"] = Scenario.objects.create(name="情景a", county=world.county_a)
    objs["scenario_b"] = Scenario.objects.create(
        name=f"{B_MARK}情景b", county=world.county_b
    )
    for name in (
        "county_a",
        "county_b",
        "liyang",
        "school_a",
        "school_a2",
        "school_b",
        "home",
        "family",
        "ecommerce",
        "accounting",
        "teacher_a",
        "teacher_b",
    ):
        objs[name] = getattr(world, name)
    for name, user in vars(world.users).items():
        objs[f"user_{name}"] = user
    # Teachers with no account yet, one on each side.
    for side, county in (("a", world.county_a), ("b", world.county_b)):
        objs[f"newcomer_{side}"] = Builder(password=PASSWORD).teacher(
            home_school=world.home, name=f"新到教师{side}", county=county, **f.SERVICE
        )
    ids = {name: obj.pk for name, obj in objs.items()}
    return SimpleNamespace(world=world, objs=objs, ids=ids)


@pytest.fixture
def tokens(world):
    """persona -> API token key."""
    return {name: token_issue(user=user) for name, user in vars(world.users).items()}
