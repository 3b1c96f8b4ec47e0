"""Frameworks: the shipped defaults, weights that must add up to 100 at each level,
who keeps them, and when they are locked."""

import re
from collections import defaultdict
from decimal import Decimal

import pytest

from evaluations import cycles, frameworks
from evaluations.models import Framework

URL = "/api/v1/evaluation-frameworks/"


def payload(**overrides):
    data = {
        "name": "测试体系",
        "subject_type": "teacher",
        "indicators": [
            {"code": "A", "name": "教学", "weight": 60},
            {
                "code": "A1",
                "name": "课时",
                "weight": 50,
                "parent": "A",
                "kind": "objective",
                "metric": "hours_taught",
                "target": 100,
            },
            {"code": "A2", "name": "质量", "weight": 50, "parent": "A"},
            {"code": "B", "name": "态度", "weight": 40},
        ],
        "rater_weights": {"school": 50, "coordinator": 30, "self": 20},
    }
    data.update(overrides)
    return data


def test_three_default_frameworks_ship_and_their_weights_add_up(db):
    defaults = {f.subject_type: f for f in Framework.objects.filter(is_default=True)}
    assert set(defaults) == {"teacher", "team", "school"}
    teacher = defaults["teacher"]
    top = [i.name for i in teacher.indicators.filter(parent=None).order_by("position")]
    assert top == [
        "教学工作",
        "带教培训与辐射带动",
        "专业与课程建设",
        "学校管理与服务",
        "工作态度与纪律",
    ]
    for framework in defaults.values():
        sums = defaultdict(Decimal)
        for indicator in framework.indicators.all():
            sums[indicator.parent_id] += indicator.weight
        assert set(sums.values()) == {Decimal(100)}, framework.name
        assert sum(w.weight for w in framework.rater_weights.all()) == 100
    assert {w.role: w.weight for w in teacher.rater_weights.all()} == {
        "school": 40,
        "coordinator": 30,
        "peer": 20,
        "self": 10,
    }
    metrics = set(
        teacher.indicators.exclude(metric="").values_list("metric", flat=True)
    )
    assert metrics == {
        "hours_taught",
        "local_teachers_trained",
        "needs_fulfilled",
        "goals_met",
        "activity_regularity",
    }


def test_a_coordinator_creates_a_framework(world, api):
    response = api.as_user(world.users.coord_a).post(URL, payload(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert [i["code"] for i in body["indicators"]] == ["A", "A1", "A2", "B"]
    assert body["indicators"][1]["parent"] == "A"
    assert body["rater_weights"] == {"school": 50.0, "coordinator": 30.0, "self": 20.0}


def test_top_level_weights_that_do_not_add_up_to_100_are_refused(world, api):
    data = payload()
    data["indicators"][3]["weight"] = 30
    response = api.as_user(world.users.coord_a).post(URL, data, format="json")
    assert response.status_code == 400
    [message] = response.json()["indicators"]
    assert "90" in message and "100" in message
    assert not Framework.objects.filter(name="测试体系").exists()


def test_sub_indicator_weights_that_do_not_add_up_are_refused_naming_the_parent(
    world, api
):
    data = payload()
    data["indicators"][2]["weight"] = 45
    response = api.as_user(world.users.coord_a).post(URL, data, format="json")
    assert response.status_code == 400
    [message] = response.json()["indicators"]
    assert "A" in message and "教学" in message and "95" in message
    assert not Framework.objects.filter(name="测试体系").exists()


def test_rater_weights_must_add_up_to_100(world, api):
    data = payload(rater_weights={"school": 50, "coordinator": 30})
    response = api.as_user(world.users.coord_a).post(URL, data, format="json")
    assert response.status_code == 400
    assert "80" in response.json()["rater_weights"][0]


@pytest.mark.parametrize(
    "bad",
    [
        {"code": "A1", "kind": "objective", "metric": ""},  # objective needs a metric
        {"code": "A1", "kind": "objective", "metric": "confirmation_speed"},  # school's
        {"code": "A", "kind": "objective", "metric": "hours_taught"},  # has children
        {"code": "A2", "parent": "Z"},  # unknown parent
    ],
)
def test_inconsistent_indicators_are_refused(world, api, bad):
    data = payload()
    for row in data["indicators"]:
        if row["code"] == bad["code"]:
            row.update(bad)
    response = api.as_user(world.users.coord_a).post(URL, data, format="json")
    assert response.status_code == 400
    assert not Framework.objects.filter(name="测试体系").exists()


def test_peers_do_not_rate_schools(world, api):
    data = payload(
        subject_type="school",
        indicators=[{"code": "S", "name": "配合", "weight": 100}],
        rater_weights={"peer": 100},
    )
    response = api.as_user(world.users.coord_a).post(URL, data, format="json")
    assert response.status_code == 400


def test_teachers_and_staff_do_not_keep_frameworks(world, api):
    for user in (world.users.teacher_a, world.users.staff_a):
        client = api.as_user(user)
        assert client.post(URL, payload(), format="json").status_code == 403
    assert not Framework.objects.filter(name="测试体系").exists()


def _county_a_framework_in_a_draft_cycle(world, name="测试体系"):
    framework = frameworks.framework_create(
        actor=world.users.coord_a, **payload(name=name)
    )
    cycles.cycle_create(
        actor=world.users.coord_a,
        county=world.county_a,
        name="c",
        start_date="2026-03-01",
        end_date="2026-04-30",
        framework=framework,
    )
    return framework


def test_a_coordinators_framework_belongs_to_their_county(world, api):
    response = api.as_user(world.users.coord_a).post(URL, payload(), format="json")
    assert response.status_code == 201
    assert response.json()["county"] == world.county_a.pk


def test_a_coordinator_of_another_county_cannot_read_change_or_delete_it(world, api):
    framework = _county_a_framework_in_a_draft_cycle(world)
    changed = payload()
    changed["indicators"].append({"code": "X", "name": "注入", "weight": 10})
    changed["indicators"][3]["weight"] = 30
    client = api.as_user(world.users.coord_b)
    assert client.get(f"{URL}{framework.pk}/").status_code == 404
    assert framework.pk not in {row["id"] for row in client.get(URL).json()["results"]}
    response = client.patch(
        f"{URL}{framework.pk}/", {"indicators": changed["indicators"]}, format="json"
    )
    assert response.status_code == 404
    assert client.delete(f"{URL}{framework.pk}/").status_code == 404
    assert sorted(framework.indicators.values_list("code", flat=True)) == [
        "A",
        "A1",
        "A2",
        "B",
    ]


def test_staff_and_teachers_read_a_framework_only_through_a_cycle_of_theirs(world, api):
    framework = frameworks.framework_create(actor=world.users.coord_a, **payload())
    url = f"{URL}{framework.pk}/"
    users = world.users
    for user in (users.staff_a, users.teacher_a, users.staff_b, users.teacher_b):
        assert api.as_user(user).get(url).status_code == 404
    _county_a_framework_in_a_draft_cycle(world, name="另一个")  # it stays unused
    cycles.cycle_create(
        actor=users.coord_a,
        county=world.county_a,
        name="用它的考核",
        start_date="2026-03-01",
        end_date="2026-04-30",
        framework=framework,
    )
    for user in (users.staff_a, users.teacher_a):
        client = api.as_user(user)
        assert client.get(url).status_code == 200
        assert client.patch(url, {"name": "改"}, format="json").status_code == 403
        assert client.delete(url).status_code == 403
    for user in (users.staff_b, users.teacher_b):
        assert api.as_user(user).get(url).status_code == 404
    framework.refresh_from_db()
    assert framework.name == "测试体系"


def test_a_coordinator_of_two_counties_names_the_owner(world, api):
    client = api.as_user(world.users.coord_ab)
    response = client.post(URL, payload(), format="json")
    assert response.status_code == 400
    assert "county" in response.json()
    response = client.post(URL, payload(county=world.county_b.pk), format="json")
    assert response.status_code == 201
    assert response.json()["county"] == world.county_b.pk


def test_a_coordinator_cannot_make_a_framework_for_another_county(world, api):
    client = api.as_user(world.users.coord_a)
    response = client.post(URL, payload(county=world.county_b.pk), format="json")
    assert response.status_code == 400
    assert not Framework.objects.filter(name="测试体系").exists()


def test_an_admins_framework_without_a_county_is_the_programmes(world, api):
    response = api.as_user(world.users.admin).post(URL, payload(), format="json")
    assert response.status_code == 201
    framework_id = response.json()["id"]
    assert response.json()["county"] is None
    for user in (world.users.coord_a, world.users.coord_ab):
        client = api.as_user(user)
        assert client.get(f"{URL}{framework_id}/").status_code == 200
        response = client.patch(f"{URL}{framework_id}/", {"name": "改"}, format="json")
        assert response.status_code == 403


def test_a_cycle_cannot_use_another_countys_framework(world, api):
    framework = frameworks.framework_create(actor=world.users.coord_a, **payload())
    body = {
        "name": "乙县考核",
        "county": world.county_b.pk,
        "start_date": "2026-03-01",
        "end_date": "2026-04-30",
        "framework": framework.pk,
    }
    for user in (world.users.coord_b, world.users.coord_ab):
        response = api.as_user(user).post(
            "/api/v1/evaluation-cycles/", body, format="json"
        )
        assert response.status_code == 400, user
        assert "framework" in response.json()
        assert "白河" not in response.content.decode()
    assert not framework.cycles.exists()


def test_only_an_admin_changes_a_default_framework(world, api):
    default = Framework.objects.get(subject_type="teacher", is_default=True)
    response = api.as_user(world.users.coord_a).patch(
        f"{URL}{default.pk}/", {"description": "x"}, format="json"
    )
    assert response.status_code == 403
    response = api.as_user(world.users.admin).patch(
        f"{URL}{default.pk}/", {"description": "新说明"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["description"] == "新说明"


def test_a_framework_in_use_by_an_open_cycle_is_locked(world, api):
    framework = frameworks.framework_create(actor=world.users.coord_a, **payload())
    cycle = cycles.cycle_create(
        actor=world.users.coord_a,
        county=world.county_a,
        name="c",
        start_date="2026-03-01",
        end_date="2026-04-30",
        framework=framework,
    )
    client = api.as_user(world.users.coord_a)
    changed = payload()
    changed["indicators"][0]["weight"] = 70
    changed["indicators"][3]["weight"] = 30
    body = {"indicators": changed["indicators"]}
    assert client.patch(f"{URL}{framework.pk}/", body, format="json").status_code == 200
    cycles.cycle_open(actor=world.users.coord_a, cycle=cycle)
    response = client.patch(f"{URL}{framework.pk}/", body, format="json")
    assert response.status_code == 409
    assert client.delete(f"{URL}{framework.pk}/").status_code == 409


def test_a_framework_used_by_an_open_cycle_keeps_even_its_name(world, api):
    framework = _county_a_framework_in_a_draft_cycle(world)
    cycle = framework.cycles.get()
    cycles.cycle_open(actor=world.users.coord_a, cycle=cycle)
    for user in (world.users.coord_a, world.users.admin):
        response = api.as_user(user).patch(
            f"{URL}{framework.pk}/", {"name": "改名"}, format="json"
        )
        assert response.status_code == 409
    framework.refresh_from_db()
    assert framework.name == "测试体系"


def test_the_admin_refuses_weights_that_do_not_add_up(world, client):
    admin = world.users.admin
    admin.is_staff = admin.is_superuser = True
    admin.save(update_fields=["is_staff", "is_superuser"])
    client.force_login(admin)
    framework = frameworks.framework_create(actor=world.users.admin, **payload())
    indicators = list(framework.indicators.order_by("position"))
    data = {
        "name": framework.name,
        "description": "",
        "subject_type": "teacher",
        "indicators-TOTAL_FORMS": str(len(indicators)),
        "indicators-INITIAL_FORMS": str(len(indicators)),
        "rater_weights-TOTAL_FORMS": "0",
        "rater_weights-INITIAL_FORMS": "0",
    }
    for n, indicator in enumerate(indicators):
        data.update(
            {
                f"indicators-{n}-id": str(indicator.pk),
                f"indicators-{n}-framework": str(framework.pk),
                f"indicators-{n}-code": indicator.code,
                f"indicators-{n}-name": indicator.name,
                f"indicators-{n}-name_en": "",
                f"indicators-{n}-parent": str(indicator.parent_id or ""),
                f"indicators-{n}-weight": "10"
                if indicator.code == "B"
                else str(indicator.weight),
                f"indicators-{n}-kind": indicator.kind,
                f"indicators-{n}-metric": indicator.metric,
                f"indicators-{n}-target": str(indicator.target or ""),
            }
        )
    response = client.post(f"/admin/evaluations/framework/{framework.pk}/change/", data)
    assert response.status_code == 200  # the form again, with the error
    [error] = re.findall(r'errorlist nonform"><li>([^<]*)', response.content.decode())
    assert "70" in error and "100" in error
    assert framework.indicators.get(code="B").weight == 40


def test_the_framework_list_keeps_a_flat_query_count(world, api):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api.as_user(world.users.coord_a)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL).status_code == 200
        return len(ctx.captured_queries)

    queries()
    small = queries()
    for n in range(4):
        frameworks.framework_create(
            actor=world.users.coord_a, **payload(name=f"体系{n}")
        )
    assert queries() == small


def test_rated_indicators_carry_anchors_and_the_defaults_have_them(world, api):
    default = Framework.objects.get(subject_type="teacher", is_default=True)
    rated = default.indicators.filter(kind="subjective", children__isnull=True)
    assert rated.exists()
    assert all(set(i.anchors) == {"90", "75", "60"} for i in rated)
    data = payload()
    data["indicators"][2]["anchors"] = {"90": "课堂生动", "60": "能完成授课"}
    client = api.as_user(world.users.coord_a)
    response = client.post(URL, data, format="json")
    assert response.status_code == 201, response.json()
    row = next(i for i in response.json()["indicators"] if i["code"] == "A2")
    assert row["anchors"] == {"90": "课堂生动", "60": "能完成授课"}
    data = payload(name="坏锚点")
    data["indicators"][2]["anchors"] = {"100": "满分"}
    assert client.post(URL, data, format="json").status_code == 400
