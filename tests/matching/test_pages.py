"""The matching pages: start a run and follow it, review proposals, a teacher's own
assignments, and the inbox (zh-hans first)."""

import re

import pytest
from django.urls import reverse

from accounts.models import Notification
from matching import assignments
from matching.models import Assignment, MatchingRun, UnmatchedNeeds
from needs.models import PlanGoal

from .. import factories as f
from .helpers import open_need, run, teacher


@pytest.fixture
def zh(settings):
    settings.LANGUAGE_CODE = "zh-hans"


def login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def proposals(world):
    """Two proposals in county A from one run; one in county B."""
    open_need(world.school_a, world.ecommerce, title="直播电商实训")
    open_need(world.school_a2, world.accounting, title="会计实训室建设")
    teacher(world.county_a, world.accounting, capacity=1, level=5)
    open_need(world.school_b, world.accounting)
    done_a = run(world.county_a)
    run(world.county_b)
    return done_a


def test_a_coordinator_starts_a_run_and_lands_on_its_page(
    world, client, zh, django_capture_on_commit_callbacks
):
    open_need(world.school_a, world.ecommerce)
    login(client, world.users.coord_a)
    page = client.get(reverse("matching-runs"))
    assert page.status_code == 200
    assert "开始匹配" in page.content.decode()
    # Only their own county is offered.
    assert world.county_b.name not in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("matching-run-start"), {"county": world.county_a.pk}
        )

    started = MatchingRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("matching-run", args=[started.pk])
    detail = client.get(response["Location"]).content.decode()
    assert 'data-testid="run-stats"' in detail
    assert "已完成" in detail  # succeeded


def test_a_coordinator_may_not_start_a_run_of_another_county(world, client):
    login(client, world.users.coord_a)
    response = client.post(reverse("matching-run-start"), {"county": world.county_b.pk})
    assert response.status_code == 400
    assert not MatchingRun.objects.exists()


def test_the_run_page_polls_while_running_and_reloads_when_done(world, client):
    queued = MatchingRun.objects.create(county=world.county_a, status="running")
    login(client, world.users.coord_a)
    page = client.get(reverse("matching-run", args=[queued.pk])).content.decode()
    assert "hx-get" in page and "htmx-2.min.js" in page
    # Every script comes from this site (a CSRF token may well contain "cdn").
    sources = re.findall(r'<script[^>]+src="([^"]+)"', page)
    assert sources and all(src.startswith("/static/") for src in sources), sources

    partial = client.get(
        reverse("matching-run-progress", args=[queued.pk]), HTTP_HX_REQUEST="true"
    )
    assert "HX-Refresh" not in partial

    MatchingRun.objects.filter(pk=queued.pk).update(status="succeeded")
    partial = client.get(
        reverse("matching-run-progress", args=[queued.pk]), HTTP_HX_REQUEST="true"
    )
    assert partial["HX-Refresh"] == "true"


def test_the_run_page_lists_unmatched_needs_with_chinese_reasons(world, client, zh):
    open_need(world.school_a, world.ecommerce, headcount=3, title="跨境电商")
    done = run(world.county_a)
    login(client, world.users.coord_a)

    page = client.get(reverse("matching-run", args=[done.pk])).content.decode()

    assert "跨境电商" in page
    assert "最优分配" in page or "较高" in page  # the outscored/capacity label
    assert "outscored" not in page.split('data-testid="unmatched"')[1].split(
        "</section>"
    )[0].replace("?reason=outscored", "")


def test_a_national_run_page_lists_its_county_runs_reasons_by_school(
    world, client, zh, django_assert_max_num_queries
):
    """The reasons are stored a row per part and reason; the page lists the needs
    of the run and of its county runs by school name, filtered by reason, in as
    many queries whatever their number."""
    national = MatchingRun.objects.create(county=None, status="succeeded")
    county_run = MatchingRun.objects.create(
        county=world.county_a, parent=national, status="succeeded"
    )
    second = [
        open_need(world.school_a2, world.ecommerce, title=f"二中{i}") for i in range(3)
    ]
    first = [
        open_need(world.school_a, world.ecommerce, title=f"职教{i}") for i in range(2)
    ]
    booked = open_need(world.school_a, world.ecommerce, title="满员")
    for run_, reason, needs in [
        (county_run, "outscored", second[:2] + first[:1]),
        (county_run, "outscored", [second[2]]),  # a second part of the same run
        (national, "capacity_exhausted", [first[1], booked]),
    ]:
        UnmatchedNeeds.objects.create(
            run=run_,
            reason=reason,
            count=len(needs),
            needs=UnmatchedNeeds.encode(n.pk for n in needs),
        )
    login(client, world.users.admin)

    def listed(query=""):
        page = client.get(reverse("matching-run", args=[national.pk]) + query)
        section = page.content.decode().split('data-testid="unmatched"')[1]
        return [int(pk) for pk in re.findall(r'data-testid="unmatched-(\d+)"', section)]

    # 白河县第二职业中学 sorts before 白河县职业教育中心; then by need.
    everything = listed()
    assert everything == [n.pk for n in second] + [first[0].pk, first[1].pk, booked.pk]
    assert listed("?reason=capacity_exhausted") == [first[1].pk, booked.pk]
    with django_assert_max_num_queries(12) as few:
        listed()
    more = [open_need(world.school_a, world.ecommerce) for _ in range(20)]
    UnmatchedNeeds.objects.create(
        run=county_run,
        reason="outscored",
        count=len(more),
        needs=UnmatchedNeeds.encode(n.pk for n in more),
    )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(listed()) == 20  # a page of 26
    assert len(listed("?page=2")) == 6
    page = client.get(reverse("matching-run", args=[national.pk])).content.decode()
    assert "合适的教师都已满负荷" in page


def test_a_run_of_another_county_is_404(world, client, proposals):
    login(client, world.users.coord_b)
    assert client.get(reverse("matching-run", args=[proposals.pk])).status_code == 404


def test_proposals_page_shows_breakdowns_and_accepts_one(world, client, proposals, zh):
    login(client, world.users.coord_a)
    page = client.get(reverse("matching-proposals")).content.decode()
    mine = list(Assignment.objects.filter(run=proposals))
    for assignment in mine:
        assert f'data-testid="breakdown-{assignment.pk}"' in page
    assert "专业匹配" in page
    other = Assignment.objects.exclude(run=proposals).get()
    assert f'data-testid="assignment-{other.pk}"' not in page

    response = client.post(
        reverse("assignment-accept", args=[mine[0].pk]),
        {"next": reverse("matching-proposals")},
    )
    assert response.status_code == 302
    assert Assignment.objects.get(pk=mine[0].pk).status == "accepted"


def test_declining_on_the_page_needs_a_reason(world, client, proposals):
    login(client, world.users.coord_a)
    proposal = Assignment.objects.filter(run=proposals).first()
    url = reverse("assignment-decline", args=[proposal.pk])
    client.post(url, {"reason": ""})
    assert Assignment.objects.get(pk=proposal.pk).status == "proposed"
    client.post(url, {"reason": "时间冲突"})
    assert Assignment.objects.get(pk=proposal.pk).status == "declined"


def test_accepting_the_selected_proposals_at_once(world, client, proposals):
    login(client, world.users.coord_a)
    chosen = list(Assignment.objects.filter(run=proposals).values_list("pk", flat=True))
    other = Assignment.objects.exclude(run=proposals).get()

    response = client.post(
        reverse("matching-accept-selected"), {"ids": [*chosen, other.pk]}
    )

    assert response.status_code == 302
    assert set(
        Assignment.objects.filter(pk__in=chosen).values_list("status", flat=True)
    ) == {"accepted"}
    # Out of scope: silently not found, and untouched.
    assert Assignment.objects.get(pk=other.pk).status == "proposed"


def test_a_redirect_after_an_action_stays_on_this_site(world, client, proposals):
    login(client, world.users.coord_a)
    proposal = Assignment.objects.filter(run=proposals).first()
    response = client.post(
        reverse("assignment-accept", args=[proposal.pk]),
        {"next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("matching-proposals")


@pytest.mark.parametrize("persona", ["staff_a", "teacher_a"])
def test_review_pages_are_for_coordinators(world, client, persona):
    login(client, getattr(world.users, persona))
    assert client.get(reverse("matching-proposals")).status_code == 403
    assert client.get(reverse("matching-runs")).status_code == 403


def test_a_teacher_lands_on_their_assignments_and_answers_them(world, client, zh):
    need = open_need(world.school_a, world.ecommerce, title="直播电商实训")
    own = f.AssignmentFactory(need=need, teacher=world.teacher_a)
    f.AssignmentFactory(
        need=open_need(world.school_b, world.accounting), teacher=world.teacher_b
    )
    login(client, world.users.teacher_a)

    landing = client.get("/")
    assert landing["Location"] == reverse("my-assignments")
    page = client.get(reverse("my-assignments")).content.decode()
    assert "直播电商实训" in page
    assert page.count('data-testid="assignment-') == 1
    assert f'data-testid="accept-{own.pk}"' in page

    client.post(reverse("assignment-accept", args=[own.pk]))
    assert Assignment.objects.get(pk=own.pk).status == "accepted"
    need.refresh_from_db()
    assert need.status == "matched"


def test_a_teacher_may_not_answer_someone_elses_proposal(world, client):
    theirs = f.AssignmentFactory(
        need=open_need(world.school_b, world.accounting), teacher=world.teacher_b
    )
    login(client, world.users.teacher_a)
    response = client.post(reverse("assignment-accept", args=[theirs.pk]))
    assert response.status_code == 404
    assert Assignment.objects.get(pk=theirs.pk).status == "proposed"


def test_the_inbox_shows_notifications_and_marks_them_read(world, client, zh):
    proposal = f.AssignmentFactory(
        need=open_need(world.school_a, world.ecommerce, title="直播电商实训"),
        teacher=world.teacher_a,
    )
    assignments.assignment_accept(assignment=proposal, actor=world.users.coord_a)
    note = Notification.objects.get(user=world.users.staff_a)
    f.UserFactory(username="nobody")
    login(client, world.users.staff_a)

    page = client.get(reverse("inbox")).content.decode()
    assert note.title in page and "直播电商实训" in page

    client.post(reverse("inbox-read", args=[note.pk]))
    note.refresh_from_db()
    assert note.read_at is not None

    login(client, world.users.teacher_a)
    others = Notification.objects.get(user=world.users.teacher_a)
    client.post(reverse("inbox-read", args=[note.pk]))  # not theirs: 404
    assert client.post(reverse("inbox-read", args=[note.pk])).status_code == 404
    client.post(reverse("inbox-read-all"))
    others.refresh_from_db()
    assert others.read_at is not None


def test_the_nav_links_each_role_to_its_matching_pages(world, client):
    login(client, world.users.coord_a)
    page = client.get(reverse("inbox")).content.decode()
    assert reverse("matching-runs") in page and reverse("matching-proposals") in page
    assert reverse("my-assignments") not in page
    login(client, world.users.teacher_a)
    page = client.get(reverse("inbox")).content.decode()
    assert reverse("my-assignments") in page
    assert reverse("matching-proposals") not in page


def test_the_admin_links_a_run_to_its_unmatched_needs(world, client):
    open_need(world.school_a, world.ecommerce, headcount=3)
    done = run(world.county_a)
    world.users.admin.is_staff = True
    world.users.admin.is_superuser = True
    world.users.admin.save()
    login(client, world.users.admin)

    page = client.get(reverse("admin:matching_matchingrun_change", args=[done.pk]))
    assert page.status_code == 200
    url = reverse("admin:matching_unmatchedneeds_changelist")
    assert f'{url}?run__id__exact={done.pk}">1</a>' in page.content.decode()
    listing = client.get(url, {"run__id__exact": done.pk})
    assert listing.status_code == 200  # not a redirect with ?e=1 (bad lookup)
    assert listing.context["cl"].result_count == 1  # one reason of one part


def test_a_teachers_card_shows_the_plan_goals_and_leads_to_logging(world, client):
    need = f.NeedFactory(
        school=world.school_a, specialty=world.ecommerce, status="matched"
    )
    PlanGoal.objects.create(need=need, text="培训4名本地教师开展直播电商教学")
    accepted = f.AssignmentFactory(
        need=need, teacher=world.teacher_a, status="accepted"
    )
    client.force_login(world.users.teacher_a)
    page = client.get("/matching/my-assignments/").content.decode()
    assert "培训4名本地教师开展直播电商教学" in page
    assert f"/activities/new/?assignment={accepted.pk}" in page
