"""The web pages of the needs app, through Django's test client."""

import pytest
from django.conf import settings
from django.test import Client

from needs.models import Need, NeedStatus, NeedTransition

from .conftest import make_need

S = NeedStatus


@pytest.fixture
def browser_as():
    """``browser_as(user)``: a signed-in test client (Chinese, the default)."""

    def make(user, language=None):
        client = Client()
        client.force_login(user)
        if language:
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        return client

    return make


def form_data(world, **changes):
    data = {
        "family": world.family.pk,
        "specialty": world.ecommerce.pk,
        "kind": "teaching",
        "title": "直播电商教师",
        "description": "建设直播实训室",
        "headcount": "2",
        "start_date": "2026-09-01",
        "end_date": "2026-12-31",
        "urgency": "4",
        "action": "save",
    }
    data.update(changes)
    return data


def field_block(html, name):
    """The markup of one form field, with its label and errors."""
    own = html.index(f'data-field="{name}"')
    start = html.rindex("<", 0, own)
    end = html.find("data-field=", own + 1)
    return html[start : end if end != -1 else start + 3000]


# -- school staff ---------------------------------------------------------------------


def test_school_staff_land_on_their_need_list(world, browser_as):
    make_need(world, S.OPEN, title="本校需求一")
    make_need(world, S.OPEN, school=world.school_b, title="别校需求")
    client = browser_as(world.users.staff_a)
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == "/needs/"
    html = response.content.decode()
    assert "本校需求一" in html and "别校需求" not in html
    assert "本校需求" in html  # the page title, in Chinese by default
    assert "待匹配" in html  # the state


def test_school_staff_save_a_draft_then_submit_it(world, browser_as):
    client = browser_as(world.users.staff_a)
    assert client.get("/needs/new/").status_code == 200
    response = client.post("/needs/new/", form_data(world))
    need = Need.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/needs/{need.pk}/"
    assert need.status == S.DRAFT and need.school == world.school_a
    page = client.get(f"/needs/{need.pk}/").content.decode()
    assert "草稿" in page and "提交审核" in page and "删除草稿" in page
    client.post(f"/needs/{need.pk}/submit/")
    need.refresh_from_db()
    assert need.status == S.SUBMITTED
    page = client.get(f"/needs/{need.pk}/").content.decode()
    assert "已提交" in page
    assert "创建草稿" in page and "草稿 → 已提交" in page  # the timeline


def test_save_and_submit_in_one_step(world, browser_as):
    client = browser_as(world.users.staff_a)
    client.post("/needs/new/", form_data(world, action="submit"))
    assert Need.objects.get().status == S.SUBMITTED


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"headcount": "11"}, "headcount", "人数必须在 1 到 10 之间。"),
        ({"end_date": "2026-01-01"}, "end_date", "结束日期不能早于开始日期。"),
        ({"title": ""}, "title", "该字段是必填项。"),
        ({"start_date": "九月"}, "start_date", "输入一个有效的日期。"),
    ],
)
def test_form_errors_show_next_to_the_field_in_chinese(
    world, browser_as, changes, field, message
):
    client = browser_as(world.users.staff_a)
    response = client.post("/needs/new/", form_data(world, **changes))
    assert response.status_code == 400
    block = field_block(response.content.decode(), field)
    assert "has-error" in block and message in block
    assert Need.objects.count() == 0


def test_the_specialty_must_belong_to_the_chosen_family(world, browser_as):
    other = world.ecommerce.__class__.objects.exclude(family=world.family).first()
    client = browser_as(world.users.staff_a)
    response = client.post("/needs/new/", form_data(world, specialty=other.pk))
    assert response.status_code == 400
    assert "has-error" in field_block(response.content.decode(), "specialty")


def test_specialty_options_follow_the_family(world, browser_as):
    client = browser_as(world.users.staff_a)
    html = client.get("/needs/specialties/", {"family": world.family.pk}).content
    html = html.decode()
    assert "电子商务" in html and "会计事务" in html
    assert "计算机应用" not in html


def test_the_form_uses_htmx_from_our_static_files(world, browser_as):
    html = browser_as(world.users.staff_a).get("/needs/new/").content.decode()
    assert "/static/django_htmx/htmx-2.min.js" in html
    assert 'hx-get="/needs/specialties/"' in html
    assert "cdn" not in html.lower()


def test_school_staff_edit_a_draft_but_not_a_submitted_need(world, browser_as):
    client = browser_as(world.users.staff_a)
    draft = make_need(world, S.DRAFT, title="旧标题")
    response = client.post(f"/needs/{draft.pk}/edit/", form_data(world, title="新标题"))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.title == "新标题"
    submitted = make_need(world, S.SUBMITTED, title="已提交的")
    response = client.post(
        f"/needs/{submitted.pk}/edit/", form_data(world, title="改"), follow=True
    )
    assert "无法修改：该需求当前状态为“已提交”。" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.title == "已提交的"


def test_school_staff_delete_a_draft(world, browser_as):
    draft = make_need(world, S.DRAFT)
    response = browser_as(world.users.staff_a).post(f"/needs/{draft.pk}/delete/")
    assert response.status_code == 302
    assert not Need.objects.filter(pk=draft.pk).exists()


def test_cancel_needs_a_reason_shown_next_to_the_field(world, browser_as):
    need = make_need(world, S.OPEN)
    client = browser_as(world.users.staff_a)
    response = client.post(f"/needs/{need.pk}/cancel/", {"reason": ""})
    assert response.status_code == 400
    assert "该字段是必填项。" in field_block(response.content.decode(), "reason")
    need.refresh_from_db()
    assert need.status == S.OPEN
    client.post(f"/needs/{need.pk}/cancel/", {"reason": "计划调整"})
    need.refresh_from_db()
    assert need.status == S.CANCELLED and need.cancel_reason == "计划调整"


def test_school_staff_confirm_fulfilment_on_a_confirmation_page(world, browser_as):
    need = make_need(world, S.MATCHED)
    client = browser_as(world.users.staff_a)
    assert "确认需求已完成" in client.get(f"/needs/{need.pk}/").content.decode()
    page = client.get(f"/needs/{need.pk}/confirm/")
    assert page.status_code == 200
    assert "请说明" in page.content.decode()  # no activity yet: a reason is asked
    refused = client.post(f"/needs/{need.pk}/confirm/", {"reason": ""})
    assert refused.status_code == 400
    need.refresh_from_db()
    assert need.status == S.MATCHED
    client.post(f"/needs/{need.pk}/confirm/", {"reason": "培训已在线上完成"})
    need.refresh_from_db()
    assert need.status == S.FULFILLED


def test_pages_of_another_school_do_not_exist(world, browser_as):
    other = make_need(world, S.DRAFT, school=world.school_b)
    client = browser_as(world.users.staff_a)
    for path in ("", "edit/", "review/"):
        assert client.get(f"/needs/{other.pk}/{path}").status_code == 404
    for path in ("submit/", "delete/", "cancel/", "confirm/"):
        assert client.post(f"/needs/{other.pk}/{path}").status_code == 404
    assert Need.objects.get(pk=other.pk).status == S.DRAFT


def test_school_staff_cannot_review(world, browser_as):
    need = make_need(world, S.SUBMITTED)
    client = browser_as(world.users.staff_a)
    assert client.get("/needs/review/").status_code == 403
    assert client.get(f"/needs/{need.pk}/review/").status_code == 403


def test_teachers_read_only_the_needs_they_serve(world, browser_as):
    from .. import factories as f

    served = make_need(world, S.OPEN, title="我服务的需求")
    f.AssignmentFactory(need=served, teacher=world.teacher_a)
    make_need(world, S.OPEN, title="别的需求")
    client = browser_as(world.users.teacher_a)
    html = client.get("/needs/").content.decode()
    assert "我服务的需求" in html and "别的需求" not in html
    page = client.get(f"/needs/{served.pk}/").content.decode()
    assert 'data-testid="need-actions"' not in page
    assert client.get("/needs/new/").status_code == 403
    assert (
        client.post(f"/needs/{served.pk}/cancel/", {"reason": "x"}).status_code == 403
    )


# -- coordinators ---------------------------------------------------------------------


def test_review_queue_lists_submitted_needs_of_the_counties_oldest_first(
    world, browser_as
):
    import datetime as dt

    from django.utils import timezone

    now = timezone.now()
    newer = make_need(world, S.SUBMITTED, title="较新的需求")
    older = make_need(world, S.SUBMITTED, school=world.school_a2, title="较早的需求")
    Need.objects.filter(pk=newer.pk).update(submitted_at=now - dt.timedelta(days=1))
    Need.objects.filter(pk=older.pk).update(submitted_at=now - dt.timedelta(days=5))
    make_need(world, S.OPEN, title="已开放的需求")
    make_need(world, S.SUBMITTED, school=world.school_b, title="外县需求")
    html = browser_as(world.users.coord_a).get("/needs/review/").content.decode()
    assert "已开放的需求" not in html and "外县需求" not in html
    assert html.index("较早的需求") < html.index("较新的需求")


def test_coordinator_need_list_filters(world, browser_as):
    make_need(world, S.OPEN, title="白河一")
    make_need(world, S.DRAFT, school=world.school_a2, title="白河二")
    make_need(world, S.OPEN, school=world.school_b, title="旬阳一")
    client = browser_as(world.users.coord_ab)
    html = client.get("/needs/", {"county": world.county_b.pk}).content.decode()
    assert "旬阳一" in html and "白河一" not in html
    html = client.get("/needs/", {"status": "open", "q": "白河"}).content.decode()
    assert "白河一" in html and "白河二" not in html and "旬阳一" not in html
    # a school outside the scope is not among the choices, and filtering by it
    # shows nothing
    client = browser_as(world.users.coord_a)
    html = client.get("/needs/").content.decode()
    assert world.school_b.name not in html
    html = client.get("/needs/", {"school": world.school_b.pk}).content.decode()
    assert "旬阳一" not in html and "白河一" not in html


def test_diagnosis_form_shows_the_formula_and_approves(world, browser_as):
    need = make_need(world, S.SUBMITTED)
    client = browser_as(world.users.coord_a)
    html = client.get(f"/needs/{need.pk}/review/").content.decode()
    assert "优先级 = 100 × Σ 权重 × (评分 − 1) ÷ (4 × 100)" in html
    assert 'data-weight-urgency="35"' in html
    assert "/static/needs/review.js" in html
    response = client.post(
        f"/needs/{need.pk}/review/",
        {
            "urgency": "5",
            "students_affected": "3",
            "industry_fit": "4",
            "readiness": "2",
            "goals": "培训4名本地教师\n\n建成直播实训室\n",
            "comment": "",
            "decision": "approve",
        },
    )
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.status == S.OPEN and need.priority_score == 70
    assert list(need.goals.values_list("text", flat=True)) == [
        "培训4名本地教师",
        "建成直播实训室",
    ]
    page = client.get(f"/needs/{need.pk}/").content.decode()
    assert "培训4名本地教师" in page and "70" in page and "已提交 → 待匹配" in page


def test_approving_without_scores_shows_errors_next_to_each_score(world, browser_as):
    need = make_need(world, S.SUBMITTED)
    response = browser_as(world.users.coord_a).post(
        f"/needs/{need.pk}/review/", {"decision": "approve", "urgency": "4"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    for name in ("students_affected", "industry_fit", "readiness"):
        assert "请给出 1 到 5 的评分。" in field_block(html, name)
    need.refresh_from_db()
    assert need.status == S.SUBMITTED and need.priority_score is None


@pytest.mark.parametrize("decision", ["return", "reject"])
def test_return_and_reject_need_a_comment(world, browser_as, decision):
    need = make_need(world, S.SUBMITTED)
    client = browser_as(world.users.coord_a)
    response = client.post(f"/needs/{need.pk}/review/", {"decision": decision})
    assert response.status_code == 400
    assert "field-error" in field_block(response.content.decode(), "comment")
    transitions = NeedTransition.objects.filter(need=need).count()
    client.post(
        f"/needs/{need.pk}/review/", {"decision": decision, "comment": "请补充学生数"}
    )
    need.refresh_from_db()
    assert need.status == (S.DRAFT if decision == "return" else S.REJECTED)
    assert NeedTransition.objects.filter(need=need).count() == transitions + 1


def test_pages_switch_to_english(world, browser_as):
    client = browser_as(world.users.staff_a, language="en")
    html = client.get("/needs/").content.decode()
    assert "Our needs" in html and "Post a need" in html
    response = client.post("/needs/new/", form_data(world, headcount="0"))
    assert "Headcount must be between 1 and 10." in response.content.decode()


def test_navigation_links_by_role(world, browser_as):
    staff = browser_as(world.users.staff_a).get("/needs/").content.decode()
    assert 'href="/needs/new/"' in staff and 'href="/needs/review/"' not in staff
    coordinator = browser_as(world.users.coord_a).get("/needs/").content.decode()
    assert 'href="/needs/review/"' in coordinator
