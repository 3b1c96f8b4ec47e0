"""A coordinator proposes a team in the browser, on a phone and on a laptop: the
coverage grid, a swap against an alternative, the leader changed, the team
confirmed. Nothing scrolls sideways, no cell is squeezed, no console error."""

import datetime as dt

import pytest

from planning.models import TeamProposal
from teams.models import Team

from .. import factories as f
from ..matching.helpers import open_need, teacher
from .conftest import assert_no_problems
from .test_phone_pages import SQUEEZED, TINY_BUTTONS

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}
LAPTOP = {"width": 1366, "height": 900}


@pytest.fixture
def scene(world):
    other_home = f.SchoolFactory(
        name="常州旅游商贸高等职业技术学校", county=world.liyang, kind="supporting"
    )
    world.teacher_a.can_lead = True
    world.teacher_a.save(update_fields=["can_lead"])
    second = teacher(world.county_a, world.ecommerce, home=other_home, level=3)
    second.can_lead = True
    second.save(update_fields=["can_lead"])
    teacher(world.county_a, world.accounting, home=world.home, level=5, name="王会计")
    teacher(world.county_a, world.accounting, home=other_home, level=2, name="赵出纳")
    open_need(world.school_a, world.ecommerce, headcount=2, title="直播电商实训教学")
    open_need(world.school_a, world.accounting, title="会计电算化实操")
    world.second = second
    return world


def look(page, screenshot, name: str) -> None:
    for viewport in (PHONE, LAPTOP):
        page.set_viewport_size(viewport)
        width = viewport["width"]
        assert page.evaluate("document.documentElement.scrollWidth") <= width, name
        assert page.evaluate(SQUEEZED) == [], (name, width)
        if width == PHONE["width"]:
            assert page.evaluate(TINY_BUTTONS) == [], name
        screenshot(page, f"team-proposal-{name}-{width}")
    page.set_viewport_size(PHONE)
    assert_no_problems(page)


def test_coordinator_proposes_shapes_and_confirms_a_team(
    page, scene, sign_in, screenshot
):
    sign_in(page, scene.users.coord_a)
    page.goto("/planning/team-proposals/")
    look(page, screenshot, "form")
    page.select_option("#id_school", str(scene.school_a.pk))
    page.fill("#id_start_date", str(f.TODAY))
    page.fill("#id_end_date", str(f.TODAY + dt.timedelta(days=120)))
    page.fill("#id_min_size", "2")
    page.fill("#id_max_size", "3")
    with page.expect_navigation():
        page.click("[data-testid=propose-form] button[type=submit]")
    assert page.locator("[data-testid=coverage] tbody tr").count() == 2
    assert page.locator("[data-testid=optimality]").inner_text().strip()
    look(page, screenshot, "detail")

    # Swap the first alternative in for a member; the score shows the change.
    with page.expect_navigation():
        page.locator("[data-testid=swap]").first.click()
    assert page.locator(".msg-success").count() == 1
    # Make the other teacher who can lead the leader, then confirm.
    if page.locator("[data-testid=make-leader]").count():
        with page.expect_navigation():
            page.locator("[data-testid=make-leader]").first.click()
    page.fill("#team-name", "白河职教中心春季帮扶团队")
    with page.expect_navigation():
        page.click("[data-testid=confirm]")
    look(page, screenshot, "confirmed")
    proposal = TeamProposal.objects.get()
    assert proposal.status == "confirmed"
    team = Team.objects.get(name="白河职教中心春季帮扶团队")
    assert team.leader.can_lead
    assert team.members.count() == 3


def test_a_coordinator_of_another_county_gets_404(page, scene, sign_in, api):
    proposal_id = (
        api.as_user(scene.users.coord_a)
        .post(
            "/api/v1/team-proposals/",
            {
                "school": scene.school_a.pk,
                "start_date": str(f.TODAY),
                "end_date": str(f.TODAY + dt.timedelta(days=60)),
                "min_size": 2,
                "max_size": 3,
            },
            format="json",
        )
        .data["id"]
    )
    sign_in(page, scene.users.coord_b)
    response = page.goto(f"/planning/team-proposals/{proposal_id}/")
    assert response.status == 404
