"""Frameworks: the shipped defaults, weights that must add up to 100 at each level,
who keeps them, and when they are locked."""

import re
from collections import defaultdict
from decimal import Decimal

import pytest

from evaluations import services
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


def test_teachers_and_staff_read_frameworks_but_do_not_keep_them(world, api):
    for user in (world.users.teacher_a, world.users.staff_a):
        client = api.as_user(user)
        assert client.get(URL).json()["count"] == 3
        assert client.post(URL, payload(), format="json").status_code == 403
    assert not Framework.objects.filter(name="测试体系").exists()


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
    framework = services.framework_create(user=world.users.coord_a, **payload())
    cycle = services.cycle_create(
        user=world.users.coord_a,
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
    services.cycle_open(user=world.users.coord_a, cycle=cycle)
    response = client.patch(f"{URL}{framework.pk}/", body, format="json")
    assert response.status_code == 409
    assert client.delete(f"{URL}{framework.pk}/").status_code == 409


def test_the_admin_refuses_weights_that_do_not_add_up(world, client):
    admin = world.users.admin
    admin.is_staff = admin.is_superuser = True
    admin.save(update_fields=["is_staff", "is_superuser"])
    client.force_login(admin)
    framework = services.framework_create(user=world.users.admin, **payload())
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
        services.framework_create(user=world.users.coord_a, **payload(name=f"体系{n}"))
    assert queries() == small
