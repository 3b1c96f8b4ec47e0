"""Team proposals through the API: propose, shape, confirm, role by role."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import Notification
from matching.assignments import assignment_propose
from matching.models import Assignment
from planning.models import TeamProposal
from teams.models import Team

from .. import factories as f
from ..matching.helpers import open_need, teacher

TODAY = f.TODAY
URL = "/api/v1/team-proposals/"


@pytest.fixture
def scene(world):
    """School A1 needs e-commerce (2 places) and accounting; county A has a leader
    who teaches e-commerce, an accountant from the same home school, and two
    more teachers from another school."""
    other_home = f.SchoolFactory(
        name="常州旅游商贸高等职业技术学校", county=world.liyang, kind="supporting"
    )
    lead = world.teacher_a
    lead.can_lead = True
    lead.save(update_fields=["can_lead"])
    accountant = teacher(world.county_a, world.accounting, home=world.home, level=5)
    seller = teacher(world.county_a, world.ecommerce, home=other_home, level=3)
    spare = teacher(world.county_a, world.accounting, home=other_home, level=1)
    ecommerce = open_need(
        world.school_a, world.ecommerce, headcount=2, title="直播电商"
    )
    accounting = open_need(world.school_a, world.accounting, title="会计实训")
    world.__dict__.update(
        lead=lead,
        accountant=accountant,
        seller=seller,
        spare=spare,
        need_ecommerce=ecommerce,
        need_accounting=accounting,
    )
    return world


def _propose(api, user, school, **extra):
    body = {
        "school": school.pk,
        "start_date": str(TODAY),
        "end_date": str(TODAY + dt.timedelta(days=120)),
        "min_size": 2,
        "max_size": 3,
        **extra,
    }
    return api.as_user(user).post(URL, body, format="json")


def test_coordinator_gets_the_best_team_with_a_leader_who_can_lead(scene, api):
    response = _propose(api, scene.users.coord_a, scene.school_a)
    assert response.status_code == 201, response.data
    data = response.data
    assert data["status"] == "proposed"
    assert data["optimal"] is True
    assert data["leader"] == scene.lead.pk
    members = {m["id"] for m in data["members"]}
    assert {scene.lead.pk, scene.accountant.pk, scene.seller.pk} == members
    served = {(c["need"], c["teacher"]) for c in data["coverage"]}
    assert (scene.need_ecommerce.pk, scene.lead.pk) in served
    assert (scene.need_ecommerce.pk, scene.seller.pk) in served
    assert (scene.need_accounting.pk, scene.accountant.pk) in served
    assert data["score"] > 0
    # Every member has alternatives with the change of score they would bring.
    assert set(data["alternatives"]) == {str(m) for m in members}
    spare_for_accountant = data["alternatives"][str(scene.accountant.pk)]
    assert spare_for_accountant[0]["teacher"] == scene.spare.pk
    assert spare_for_accountant[0]["change"] < 0


def test_no_teacher_able_to_lead_is_explained(scene, api):
    scene.lead.can_lead = False
    scene.lead.save(update_fields=["can_lead"])
    response = _propose(api, scene.users.coord_a, scene.school_a)
    assert response.status_code == 201
    assert response.data["status"] == "infeasible"
    codes = [p["code"] for p in response.data["problems"]]
    assert codes == ["no_leader"]
    assert not response.data["members"]


def test_a_need_no_teacher_fits_names_its_class(scene, api):
    other = f.SpecialtyFamilyFactory(code="71", name="电子与信息大类")
    klass = f.SpecialtyClassFactory(code="7102", name="计算机类", family=other)
    spec = f.SpecialtyFactory(
        code="710201", name="计算机应用", family=other, specialty_class=klass
    )
    open_need(scene.school_a, spec, title="计算机课程")
    response = _propose(api, scene.users.coord_a, scene.school_a)
    assert response.data["status"] == "proposed"
    messages = [p["message"] for p in response.data["problems"]]
    assert any("7102" in m for m in messages), messages


def test_too_few_free_teachers_is_infeasible(scene, api):
    response = _propose(
        api, scene.users.coord_a, scene.school_a, min_size=6, max_size=8
    )
    assert response.data["status"] == "infeasible"
    assert [p["code"] for p in response.data["problems"]] == ["too_few_teachers"]


def test_bad_sizes_and_dates_are_refused(scene, api):
    response = _propose(
        api,
        scene.users.coord_a,
        scene.school_a,
        min_size=4,
        max_size=2,
        end_date=str(TODAY - dt.timedelta(days=1)),
    )
    assert response.status_code == 400
    assert set(response.data) >= {"max_size", "end_date"}
    assert not TeamProposal.objects.exists()


@pytest.mark.parametrize("who", ["coord_b", "staff_a", "teacher_a", "outsider"])
def test_others_cannot_see_a_proposal(scene, api, who):
    proposal_id = _propose(api, scene.users.coord_a, scene.school_a).data["id"]
    client = api.as_user(getattr(scene.users, who))
    assert client.get(f"{URL}{proposal_id}/").status_code == 404
    assert client.post(f"{URL}{proposal_id}/confirm/").status_code == 404
    assert client.get(URL).data["count"] == 0


def test_coordinator_of_another_county_cannot_propose_there(scene, api):
    response = _propose(api, scene.users.coord_b, scene.school_a)
    assert response.status_code == 400
    assert not TeamProposal.objects.exists()


@pytest.mark.parametrize("who", ["staff_a", "teacher_a"])
def test_only_coordinators_propose(scene, api, who):
    response = _propose(api, getattr(scene.users, who), scene.school_a)
    assert response.status_code == 403


def test_admin_and_coordinator_of_the_county_see_it(scene, api):
    proposal_id = _propose(api, scene.users.coord_a, scene.school_a).data["id"]
    for who in ("admin", "coord_ab"):
        client = api.as_user(getattr(scene.users, who))
        assert client.get(f"{URL}{proposal_id}/").status_code == 200


def test_swap_and_leader_change_then_confirm(
    scene, api, django_capture_on_commit_callbacks
):
    client = api.as_user(scene.users.coord_a)
    data = _propose(api, scene.users.coord_a, scene.school_a).data
    swapped = client.post(
        f"{URL}{data['id']}/swap/",
        {"member": scene.accountant.pk, "replacement": scene.spare.pk},
        format="json",
    )
    assert swapped.status_code == 200, swapped.data
    assert {m["id"] for m in swapped.data["members"]} == {
        scene.lead.pk,
        scene.spare.pk,
        scene.seller.pk,
    }
    assert swapped.data["score"] < data["score"]
    assert swapped.data["optimal"] is False
    # The seller cannot lead; the leader stays.
    refused = client.post(
        f"{URL}{data['id']}/leader/", {"leader": scene.seller.pk}, format="json"
    )
    assert refused.status_code == 400
    scene.seller.can_lead = True
    scene.seller.save(update_fields=["can_lead"])
    led = client.post(
        f"{URL}{data['id']}/leader/", {"leader": scene.seller.pk}, format="json"
    )
    assert led.data["leader"] == scene.seller.pk
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(f"{URL}{data['id']}/confirm/", {}, format="json")
    assert confirmed.status_code == 200, confirmed.data
    assert confirmed.data["status"] == "confirmed"
    team = Team.objects.get(pk=confirmed.data["team"])
    assert team.leader == scene.seller
    assert set(team.members.all()) == {scene.lead, scene.spare, scene.seller}
    proposed = set(
        Assignment.objects.filter(status="proposed").values_list("need", "teacher")
    )
    assert proposed == {(c["need"], c["teacher"]) for c in confirmed.data["coverage"]}
    assert Notification.objects.filter(user=scene.users.teacher_a).exists()
    assert Notification.objects.filter(user=scene.users.staff_a).exists()
    # Confirmed once: a second confirm is a 409 naming the state.
    again = client.post(f"{URL}{data['id']}/confirm/", {}, format="json")
    assert again.status_code == 409


def test_confirm_refuses_when_the_situation_changed(scene, api):
    client = api.as_user(scene.users.coord_a)
    data = _propose(api, scene.users.coord_a, scene.school_a).data
    # Meanwhile a run proposed the seller elsewhere up to their capacity, and the
    # accounting need was filled.
    for _ in range(scene.seller.capacity):
        f.AssignmentFactory(teacher=scene.seller)
    scene.need_accounting.filled = 1
    scene.need_accounting.status = "matched"
    scene.need_accounting.save(update_fields=["filled", "status"])
    response = client.post(f"{URL}{data['id']}/confirm/", {}, format="json")
    assert response.status_code == 409
    assert response.data["code"] == "situation_changed"
    changes = " ".join(response.data["changes"])
    assert scene.seller.name in changes
    assert "会计实训" in changes
    assert not Team.objects.exists()
    assert TeamProposal.objects.get(pk=data["id"]).status == "proposed"
    assert not Assignment.objects.filter(need__school=scene.school_a).exists()


def test_a_teacher_who_lost_the_right_to_lead_stops_the_confirmation(scene, api):
    client = api.as_user(scene.users.coord_a)
    data = _propose(api, scene.users.coord_a, scene.school_a).data
    scene.lead.can_lead = False
    scene.lead.save(update_fields=["can_lead"])
    response = client.post(f"{URL}{data['id']}/confirm/", {}, format="json")
    assert response.status_code == 409
    assert scene.lead.name in " ".join(response.data["changes"])


def test_list_query_count_stays_flat(scene, api, django_assert_max_num_queries):
    client = api.as_user(scene.users.coord_a)
    _propose(api, scene.users.coord_a, scene.school_a)
    with django_assert_max_num_queries(12):
        client.get(URL)
    for _ in range(4):
        _propose(api, scene.users.coord_a, scene.school_a)
    with django_assert_max_num_queries(12):
        assert client.get(URL).data["count"] == 5


def test_propose_outside_a_run_keeps_the_capacity_and_the_pair_rules(scene):
    coordinator = scene.users.coord_a
    spare = scene.spare  # capacity 1
    assignment_propose(actor=coordinator, need=scene.need_accounting, teacher=spare)
    with pytest.raises(ValidationError):  # one live assignment per pair
        assignment_propose(actor=coordinator, need=scene.need_accounting, teacher=spare)
    with pytest.raises(ValidationError):  # capacity 1 is used
        assignment_propose(actor=coordinator, need=scene.need_ecommerce, teacher=spare)
    with pytest.raises(PermissionDenied):
        assignment_propose(
            actor=scene.users.coord_b, need=scene.need_ecommerce, teacher=scene.lead
        )
