"""teams/ through the API: visibility, who may form teams, leader and members."""

import pytest

from teams.models import Team

from .. import factories as f

URL = "/api/v1/teams/"


@pytest.fixture
def team(world):
    team = f.TeamFactory(name="溧阳赴白河团队", county=world.county_a)
    team.members.set([world.teacher_a])
    team.leader = world.teacher_a
    team.save()
    return team


@pytest.fixture
def team_b(world):
    team = f.TeamFactory(name="溧阳赴旬阳团队", county=world.county_b)
    team.members.set([world.teacher_b])
    return team


def payload(world, **overrides):
    data = {
        "name": "新团队",
        "county": world.county_a.pk,
        "start_date": "2026-09-01",
        "end_date": "2027-07-10",
        "leader": world.teacher_a.pk,
        "members": [world.teacher_a.pk],
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("admin", {"溧阳赴白河团队", "溧阳赴旬阳团队"}),
        ("coord_a", {"溧阳赴白河团队"}),
        ("coord_b", {"溧阳赴旬阳团队"}),
        ("coord_ab", {"溧阳赴白河团队", "溧阳赴旬阳团队"}),
        ("staff_a", set()),
        ("teacher_a", {"溧阳赴白河团队"}),
        ("teacher_b", {"溧阳赴旬阳团队"}),
        ("outsider", set()),
    ],
)
def test_each_persona_lists_the_teams_of_their_scope(
    api, world, team, team_b, persona, expected
):
    response = api.as_user(getattr(world.users, persona)).get(URL)
    assert response.status_code == 200
    assert {row["name"] for row in response.json()["results"]} == expected


def test_team_has_the_fields_of_the_contract(api, world, team):
    row = api.as_user(world.users.coord_a).get(f"{URL}{team.pk}/").json()
    assert row == {
        "id": team.pk,
        "name": "溧阳赴白河团队",
        "county": world.county_a.pk,
        "start_date": "2026-09-01",
        "end_date": "2027-09-01",
        "leader": world.teacher_a.pk,
        "members": [world.teacher_a.pk],
    }


@pytest.mark.parametrize("persona", ["coord_b", "staff_a", "teacher_b", "outsider"])
def test_team_outside_the_scope_is_404(api, world, team, persona):
    client = api.as_user(getattr(world.users, persona))
    assert client.get(f"{URL}{team.pk}/").status_code == 404
    response = client.patch(f"{URL}{team.pk}/", {"name": "x"}, format="json")
    assert response.status_code == 404


def test_coordinator_forms_a_team(api, world):
    response = api.as_user(world.users.coord_a).post(URL, payload(world), format="json")
    assert response.status_code == 201, response.json()
    team = Team.objects.get(pk=response.json()["id"])
    assert team.leader == world.teacher_a
    assert list(team.members.all()) == [world.teacher_a]


@pytest.mark.parametrize("persona", ["staff_a", "teacher_a"])
def test_other_roles_may_not_form_teams(api, world, persona):
    response = api.as_user(getattr(world.users, persona)).post(
        URL, payload(world), format="json"
    )
    assert response.status_code == 403
    assert not Team.objects.filter(name="新团队").exists()


def test_a_member_may_read_but_not_change_their_team(api, world, team):
    client = api.as_user(world.users.teacher_a)
    response = client.patch(f"{URL}{team.pk}/", {"name": "改名"}, format="json")
    assert response.status_code == 403


def test_team_in_another_county_is_refused(api, world):
    response = api.as_user(world.users.coord_a).post(
        URL,
        payload(world, county=world.county_b.pk, leader=None, members=[]),
        format="json",
    )
    assert response.status_code == 400
    assert "county" in response.json()


def test_leader_must_be_a_member(api, world):
    other = f.TeacherFactory(
        name="孙老师", home_school=world.home, county=world.county_a
    )
    response = api.as_user(world.users.coord_a).post(
        URL, payload(world, leader=other.pk), format="json"
    )
    assert response.status_code == 400
    assert "leader" in response.json()
    assert not Team.objects.filter(name="新团队").exists()


def test_members_must_be_stationed_in_the_team_county(api, world):
    response = api.as_user(world.users.coord_ab).post(
        URL,
        payload(world, members=[world.teacher_a.pk, world.teacher_b.pk]),
        format="json",
    )
    assert response.status_code == 400
    assert "members" in response.json()


def test_a_member_outside_the_scope_does_not_exist(api, world):
    response = api.as_user(world.users.coord_a).post(
        URL, payload(world, members=[world.teacher_b.pk]), format="json"
    )
    assert response.status_code == 400
    assert "members" in response.json()


def test_end_before_start_is_refused(api, world):
    response = api.as_user(world.users.coord_a).post(
        URL, payload(world, end_date="2026-01-01"), format="json"
    )
    assert response.status_code == 400
    assert "end_date" in response.json()


def test_patch_replaces_members(api, world, team):
    other = f.TeacherFactory(
        name="孙老师", home_school=world.home, county=world.county_a
    )
    response = api.as_user(world.users.coord_a).patch(
        f"{URL}{team.pk}/",
        {"members": [other.pk], "leader": other.pk},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["members"] == [other.pk]
    team.refresh_from_db()
    assert team.leader == other


def test_removing_the_leader_from_the_members_is_refused(api, world, team):
    other = f.TeacherFactory(
        name="孙老师", home_school=world.home, county=world.county_a
    )
    response = api.as_user(world.users.coord_a).patch(
        f"{URL}{team.pk}/", {"members": [other.pk]}, format="json"
    )
    assert response.status_code == 400
    assert list(team.members.all()) == [world.teacher_a]


def test_filters(api, world, team, team_b):
    client = api.as_user(world.users.coord_ab)
    rows = client.get(URL, {"member": world.teacher_b.pk}).json()["results"]
    assert [row["name"] for row in rows] == ["溧阳赴旬阳团队"]
    rows = client.get(URL, {"county": world.county_a.pk}).json()["results"]
    assert [row["name"] for row in rows] == ["溧阳赴白河团队"]
    rows = client.get(URL, {"search": "李老师"}).json()["results"]
    assert [row["name"] for row in rows] == ["溧阳赴旬阳团队"]
