"""A teacher who can lead a team (management experience): recorded through the
API, the form and the import, shown on the teacher list."""

import pytest

from teams.models import Teacher

from .conftest import TEACHER_HEADERS, teacher_row, upload, xlsx_bytes


def test_coordinator_marks_a_teacher_able_to_lead_through_the_api(api, world):
    client = api.as_user(world.users.coord_a)
    url = f"/api/v1/teachers/{world.teacher_a.pk}/"
    assert client.get(url).data["can_lead"] is False
    response = client.patch(url, {"can_lead": True}, format="json")
    assert response.status_code == 200, response.data
    world.teacher_a.refresh_from_db()
    assert world.teacher_a.can_lead


def test_another_countys_coordinator_cannot_change_it(api, world):
    client = api.as_user(world.users.coord_b)
    url = f"/api/v1/teachers/{world.teacher_a.pk}/"
    assert client.patch(url, {"can_lead": True}, format="json").status_code == 404
    world.teacher_a.refresh_from_db()
    assert not world.teacher_a.can_lead


@pytest.mark.parametrize(("cell", "expected"), [("是", True), ("否", False)])
def test_the_import_reads_the_can_lead_column(api, world, cell, expected):
    rows = [
        [*TEACHER_HEADERS, "可任团队负责人"],
        [*teacher_row("王老师"), cell],
    ]
    response = upload(api.as_user(world.users.coord_a), "teachers", xlsx_bytes(rows))
    assert response.status_code == 200, response.json()
    assert Teacher.objects.get(name="王老师").can_lead is expected


def test_the_form_saves_it_and_the_list_shows_it(client, world):
    client.force_login(world.users.coord_a)
    teacher = world.teacher_a
    page = client.get(f"/teams/teachers/{teacher.pk}/")
    assert 'name="can_lead"' in page.content.decode()
    data = {
        "name": teacher.name,
        "home_school": teacher.home_school_id,
        "title": teacher.title,
        "county": teacher.county_id,
        "available_from": teacher.available_from,
        "available_until": teacher.available_until,
        "capacity": teacher.capacity,
        "can_lead": "on",
        "skills-TOTAL_FORMS": "0",
        "skills-INITIAL_FORMS": "0",
    }
    response = client.post(f"/teams/teachers/{teacher.pk}/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    teacher.refresh_from_db()
    assert teacher.can_lead
    listing = client.get("/teams/teachers/").content.decode()
    assert 'data-testid="can-lead"' in listing
