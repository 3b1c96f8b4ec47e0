"""``manage.py load_demo``: a realistic demo world, built idempotently."""

import re
from collections import Counter
from io import StringIO
from itertools import pairwise

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db.models import Count, Q
from django.test import Client

from accounts.models import Role, User
from activities.models import Activity
from matching.models import Assignment
from needs.models import Need, NeedStatus, NeedTransition
from places.models import County, School
from teams.models import Teacher, Team

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def load() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in {"places", "accounts", "needs", "teams", "matching"}
    }


def logins(output: str) -> tuple[str, list[tuple[str, str]]]:
    """The demo password and (username, role) of every printed login."""
    password = re.search(r"密码均为：(\S+)）", output).group(1)
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("用户名"))
    rows = []
    for line in lines[start + 2 :]:
        if not line.strip() or line.startswith("（"):
            break
        username, role = line.split()[:2]
        rows.append((username, role))
    return password, rows


def test_the_demo_world_has_what_the_issue_asks_for():
    load()
    baihe = County.objects.get(code="610929")
    assert (baihe.name, baihe.province) == ("白河县", "陕西省")
    assert baihe.neighbours.count() == 2
    assert County.objects.get(code="320481").name == "溧阳市"
    assert School.objects.filter(name="白河县职业教育中心", county=baihe).exists()
    assert School.objects.filter(kind="assisted").count() >= 5
    supporting = School.objects.filter(kind="supporting")
    assert set(supporting.values_list("county__name", flat=True)) == {"溧阳市"}
    assert supporting.filter(name="江苏省溧阳中等专业学校").exists()
    assert Teacher.objects.count() >= 24
    assert not Teacher.objects.annotate(n=Count("skills")).filter(n=0).exists()
    assert set(Teacher.objects.values_list("title", flat=True)) >= {
        "讲师",
        "高级讲师",
        "正高级讲师",
    }
    assert Teacher.objects.filter(capacity__gt=3).count() == 0
    assert Team.objects.count() == 3
    for team in Team.objects.all():
        assert team.leader in team.members.all()
    assert Need.objects.count() >= 40
    assert set(Need.objects.values_list("status", flat=True)) == set(NeedStatus.values)
    assert Activity.objects.exists()


def test_every_role_has_accounts_with_their_scope():
    load()
    roles = Counter(User.objects.values_list("role", flat=True))
    assert roles[Role.ADMIN] >= 1
    assert roles[Role.TEACHER] == Teacher.objects.count()
    assert not Teacher.objects.filter(user__isnull=True).exists()
    assisted = School.objects.filter(kind="assisted")
    assert set(
        User.objects.filter(role=Role.SCHOOL_STAFF).values_list("school", flat=True)
    ) == set(assisted.values_list("pk", flat=True))
    coordinators = User.objects.filter(role=Role.COORDINATOR).annotate(
        n=Count("counties")
    )
    assert coordinators.filter(n=2).exists()
    covered = set(coordinators.values_list("counties__name", flat=True))
    assert covered >= {"白河县", "旬阳市", "平利县"}


def test_the_invariants_of_the_workflow_hold():
    load()
    for need in Need.objects.prefetch_related("transitions", "assignments"):
        assert need.filled <= need.headcount
        chain = list(need.transitions.all())
        assert chain[0].from_status == ""
        for before, after in pairwise(chain):
            assert after.from_status == before.to_status
            assert after.created_at >= before.created_at
        assert chain[-1].to_status == need.status, need.title
        taken = [a for a in need.assignments.all() if a.status != "declined"]
        if need.status in (NeedStatus.MATCHED, NeedStatus.FULFILLED):
            assert need.filled == need.headcount == len(taken)
            assert need.priority_score is not None
            assert need.goals.exists()
        if need.status == NeedStatus.FULFILLED:
            assert {a.status for a in taken} == {"completed"}
        if need.status == NeedStatus.CANCELLED:
            assert need.cancel_reason
    live = Q(assignments__status__in=["proposed", "accepted"])
    for teacher in Teacher.objects.annotate(live=Count("assignments", filter=live)):
        assert teacher.live <= teacher.capacity, teacher.name
    for activity in Activity.objects.select_related("assignment"):
        assert activity.assignment.status in ("accepted", "completed")
    assert NeedTransition.objects.filter(to_status="draft", from_status="submitted")
    assert Assignment.objects.filter(status="accepted").exists()


def test_running_it_twice_changes_nothing():
    load()
    first = counts()
    snapshot = list(Need.objects.order_by("pk").values())
    output = load()
    assert counts() == first
    assert list(Need.objects.order_by("pk").values()) == snapshot
    assert "无变化" in output


def test_every_printed_login_signs_in():
    password, rows = logins(load())
    usernames = [username for username, _role in rows]
    assert len(usernames) == User.objects.count()
    assert {role for _u, role in rows} == {
        "平台管理员",
        "县级协调员",
        "受援学校联络员",
        "帮扶教师",
    }
    for username in usernames:
        client = Client()
        assert client.login(username=username, password=password), username


def test_the_demo_world_uses_only_official_current_specialties():
    from needs import catalogue_data
    from teams.models import TeacherSkill

    load()
    official = {(code, name) for code, name, _ in catalogue_data.SPECIALTIES}
    used = {
        (n.specialty.code, n.specialty.name, n.specialty.retired)
        for n in Need.objects.select_related("specialty")
    } | {
        (s.specialty.code, s.specialty.name, s.specialty.retired)
        for s in TeacherSkill.objects.select_related("specialty")
    }
    assert used
    for code, name, retired in used:
        assert (code, name) in official
        assert not retired
