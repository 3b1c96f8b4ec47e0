"""The page that describes a new scenario: it builds the changes the API takes and
hands them to the same service."""

import datetime as dt

import pytest

from planning.models import Scenario

from ..matching.helpers import TODAY, open_need

pytestmark = pytest.mark.django_db

PAGE = "/planning/scenarios/new/"
API = "/api/v1/planning/scenarios/"
START, END = TODAY.isoformat(), (TODAY + dt.timedelta(days=200)).isoformat()


def _form(world, **extra):
    data = {
        "name": "多一名电商教师",
        "county": world.county_a.pk,
        "add-TOTAL_FORMS": "3",
        "add-INITIAL_FORMS": "0",
        "add-MIN_NUM_FORMS": "0",
        "add-MAX_NUM_FORMS": "10",
        "add-0-count": "2",
        "add-0-specialty": world.ecommerce.pk,
        "add-0-start_date": START,
        "add-0-end_date": END,
        "add-0-capacity": "2",
        "remove": [world.teacher_a.pk],
        "allow_neighbours": "on",
    }
    data.update(extra)
    return data


def test_a_coordinator_creates_a_scenario_as_the_api_would(
    world, client, api, django_capture_on_commit_callbacks
):
    open_need(world.school_a, world.ecommerce, headcount=2, priority=90)
    client.force_login(world.users.coord_a)
    listing = client.get("/planning/scenarios/").content.decode()
    assert 'href="/planning/scenarios/new/"' in listing
    form = client.get(PAGE).context["form"]
    assert form["county"].value() == world.county_a.pk  # their one county

    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(PAGE, _form(world))
    scenario = Scenario.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == f"/planning/scenarios/{scenario.pk}/"
    assert scenario.county == world.county_a and scenario.name == "多一名电商教师"
    assert scenario.created_by == world.users.coord_a
    assert scenario.status == "succeeded"  # solved eagerly without a broker
    assert client.get(answer["Location"]).status_code == 200

    api_answer = api.as_user(world.users.coord_a).post(
        API,
        {
            "county": world.county_a.pk,
            "name": "同上",
            "changes": [
                {
                    "kind": "add_teachers",
                    "count": 2,
                    "specialty": world.ecommerce.pk,
                    "start_date": START,
                    "end_date": END,
                    "capacity": 2,
                },
                {"kind": "remove_teachers", "teachers": [world.teacher_a.pk]},
                {"kind": "allow_neighbours"},
            ],
        },
        format="json",
    )
    assert api_answer.status_code == 202
    assert Scenario.objects.get(pk=api_answer.data["id"]).changes == scenario.changes


def test_a_capacity_change_is_one_change(world, client):
    client.force_login(world.users.coord_a)
    data = _form(
        world,
        **{"add-0-count": "", "add-0-specialty": "", "add-0-start_date": ""},
        **{"add-0-end_date": "", "add-0-capacity": ""},
        remove=[],
        allow_neighbours="",
        capacity_teacher=world.teacher_a.pk,
        capacity="0",
    )
    assert client.post(PAGE, data).status_code == 302
    assert Scenario.objects.get().changes == [
        {"kind": "set_capacity", "teacher": world.teacher_a.pk, "capacity": 0}
    ]


def test_bad_input_is_shown_beside_its_fields_and_creates_nothing(world, client):
    client.force_login(world.users.coord_a)
    data = _form(
        world,
        **{"add-0-end_date": "2020-01-01", "add-0-count": "99"},
        capacity_teacher=world.teacher_a.pk,
        capacity="9",
    )
    page = client.post(PAGE, data)
    assert page.status_code == 400
    row = page.context["rows"][0]
    assert set(row.errors) == {"end_date", "count"}
    assert set(page.context["form"].errors) == {"capacity"}
    assert 'role="alert"' in page.content.decode()
    assert not Scenario.objects.exists()

    # No change at all: said at the top of the form.
    empty = _form(
        world,
        **{"add-0-count": "", "add-0-specialty": "", "add-0-start_date": ""},
        **{"add-0-end_date": "", "add-0-capacity": ""},
        remove=[],
        allow_neighbours="",
    )
    page = client.post(PAGE, empty)
    assert page.status_code == 400
    assert page.context["form"].non_field_errors()
    assert not Scenario.objects.exists()


def test_a_coordinator_cannot_pick_a_county_outside_their_scope(world, client):
    client.force_login(world.users.coord_b)
    page = client.get(PAGE)
    counties = list(page.context["form"].fields["county"].queryset)
    assert world.county_a not in counties and world.county_b in counties
    assert world.teacher_a not in page.context["form"].fields["remove"].queryset

    page = client.post(PAGE, _form(world, remove=[]))
    assert page.status_code == 400
    assert set(page.context["form"].errors) == {"county"}
    assert not Scenario.objects.exists()


@pytest.mark.parametrize("persona", ["staff_a", "teacher_a"])
def test_school_staff_and_teachers_may_not_plan(world, client, persona):
    client.force_login(getattr(world.users, persona))
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, _form(world)).status_code == 403
    assert not Scenario.objects.exists()


def test_an_admin_creates_for_any_county(world, client):
    client.force_login(world.users.admin)
    assert client.post(PAGE, _form(world, remove=[])).status_code == 302
    assert Scenario.objects.get().county == world.county_a
