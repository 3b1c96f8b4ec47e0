"""Stored markup comes out escaped: ``<script>alert(1)</script>`` and
``"><img src=x onerror=alert(1)>`` in every text field that a person types
(need title, description, goals, comments and reasons, thread messages and file
names; teacher name and title; team, school, county and cycle names; activity
notes, names reached, evidence file names and disputes; rating
comments; framework and indicator names; account names; notifications) appear as
text on every page that shows them, as plain strings in the .xlsx exports (never a
formula), and in the notification e-mails (plain text, no HTML part)."""

import io

import pytest
from django.core import mail
from django.test import Client
from openpyxl import load_workbook

from accounts.models import Notification
from evaluations.models import Indicator
from matching.models import MatchingRun, RunStatus
from needs.models import NeedTransition, PlanGoal

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
PAYLOAD = IMG + SCRIPT  # 56 characters
SHORT = IMG + "<script>x</script>"  # 48, for fields of at most 50
FORMULA = '=HYPERLINK("http://evil.example","点我")'
# What must never appear in a page: the markup itself, unescaped.
RAW = ("<script>alert(1)", "<script>x</script>", "<img src=x onerror")
ESCAPED = (
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&lt;img src=x onerror=alert(1)&gt;",
)


def tainted(label, short=False):
    return (SHORT if short else PAYLOAD) + label


@pytest.fixture
def poisoned(full):
    """Every typed text field of county A's objects carries the payloads."""
    o = full.objs
    w = full.world

    def save(obj, **values):
        for name, value in values.items():
            setattr(obj, name, value)
        obj.save(update_fields=list(values))

    save(o["county_a"], name=tainted("县", short=True))
    save(o["school_a"], name=tainted("学校"))
    save(o["ecommerce"], name=tainted("专业", short=True))
    for key in ("draft_a", "submitted_a", "open_a", "matched_a"):
        save(o[key], title=tainted(key), description=tainted("描述") + "\n" + FORMULA)
    PlanGoal.objects.create(need=o["open_a"], text=tainted("目标"))
    NeedTransition.objects.create(
        need=o["draft_a"],
        from_status="submitted",
        to_status="draft",
        actor=w.users.coord_a,
        comment=tainted("退回意见"),
    )
    save(o["teacher_a"], name=tainted("师", short=True), title=FORMULA[:30])
    save(o["team_a"], name=tainted("团队"))
    save(
        o["act_a"], note=tainted("活动"), reached_names=tainted("姓名") + "\n" + SCRIPT
    )
    save(o["comment_a"], text=tainted("留言"))
    save(o["photo_a"], name=tainted("照片.png"))
    save(o["act_photo_a"], name=tainted("活动照片.png"))
    save(o["disputed_a"], dispute_reason=tainted("异议"))
    save(o["acc_a"], decision_reason=tainted("理由"))
    for key in ("cycle_draft_a", "cycle_open_a", "cycle_closed_a"):
        save(o[key], name=tainted(key))
    save(o["rating_staff_a"], comment=tainted("评语"))
    save(o["framework"], name=tainted("体系"), description=tainted("体系说明"))
    Indicator.objects.filter(framework=o["framework"]).update(
        name=tainted("指标"), name_en=tainted("indicator")
    )
    for user in (w.users.coord_a, w.users.staff_a, w.users.teacher_a):
        save(user, first_name=tainted("名"), last_name=SCRIPT)
        Notification.objects.create(
            user=user, title=tainted("通知"), body=tainted("内容"), url="/inbox/"
        )
    save(w.users.admin, is_staff=True, is_superuser=True)
    failed = MatchingRun.objects.create(
        county=o["county_a"], status=RunStatus.FAILED, error=tainted("错误")
    )
    full.ids["failed_run"] = failed.pk
    return full


def pages(ids):
    return {
        "coord_a": [
            "/dashboard/",
            "/needs/",
            "/needs/?status=draft",
            f"/needs/{ids['draft_a']}/",
            f"/needs/{ids['open_a']}/",
            f"/needs/{ids['matched_a']}/",
            "/needs/review/",
            f"/needs/{ids['submitted_a']}/review/",
            "/needs/specialties/",
            "/teams/teachers/",
            f"/teams/teachers/{ids['teacher_a']}/",
            "/teams/",
            f"/teams/{ids['team_a']}/",
            "/teams/free/",
            "/matching/runs/",
            f"/matching/runs/{ids['run_a']}/",
            f"/matching/runs/{ids['failed_run']}/",
            "/matching/proposals/",
            "/matching/proposals/?status=accepted",
            "/activities/",
            "/activities/?disputed=1",
            "/evaluations/cycles/",
            f"/evaluations/cycles/{ids['cycle_draft_a']}/",
            f"/evaluations/cycles/{ids['cycle_open_a']}/",
            f"/evaluations/cycles/{ids['cycle_closed_a']}/results/",
            "/evaluations/frameworks/",
            f"/evaluations/frameworks/{ids['framework']}/",
            "/evaluations/tasks/",
            "/inbox/",
            "/me/",
        ],
        "staff_a": [
            "/needs/",
            f"/needs/{ids['draft_a']}/",
            f"/needs/{ids['draft_a']}/edit/",
            f"/needs/{ids['matched_a']}/",
            "/needs/new/",
            "/activities/",
            "/evaluations/tasks/",
            f"/evaluations/tasks/{ids['rating_staff_a']}/",
            f"/evaluations/cycles/{ids['cycle_closed_a']}/results/",
            "/inbox/",
            "/me/",
        ],
        "teacher_a": [
            "/matching/my-assignments/",
            "/activities/",
            "/activities/new/",
            "/evaluations/tasks/",
            f"/evaluations/tasks/{ids['rating_self_a']}/",
            "/inbox/",
            "/me/",
        ],
        "admin": [
            "/dashboard/",
            f"/admin/needs/need/{ids['open_a']}/change/",
            "/admin/needs/need/",
            "/admin/teams/teacher/",
            "/admin/activities/activity/",
        ],
    }


def test_stored_markup_is_escaped_on_every_page(poisoned):
    problems, escaped_pages = [], 0
    for persona, paths in pages(poisoned.ids).items():
        client = Client()
        client.force_login(getattr(poisoned.world.users, persona))
        for path in paths:
            response = client.get(path)
            if response.status_code != 200:
                problems.append(f"{persona} {path}: {response.status_code}")
                continue
            html = response.content.decode()
            for raw in RAW:
                if raw in html:
                    at = html.index(raw)
                    problems.append(
                        f"{persona} {path}: raw {html[at - 80 : at + 60]!r}"
                    )
            escaped_pages += any(e in html for e in ESCAPED)
    assert not problems, "\n".join(problems)
    # the payloads were on the pages, as text
    assert escaped_pages >= 40


def test_the_api_returns_the_text_as_data(poisoned, tokens):
    client = Client()
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {tokens['coord_a']}"
    body = client.get(f"/api/v1/needs/{poisoned.ids['open_a']}/")
    assert body["Content-Type"] == "application/json"
    assert body.json()["title"].startswith(PAYLOAD)


def cells(content):
    book = load_workbook(io.BytesIO(content))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is not None:
                    yield cell


EXPORTS = [
    "/api/v1/needs/export/",
    "/api/v1/teachers/export/",
    "/api/v1/teams/export/",
    "/api/v1/assignments/export/",
    "/api/v1/evaluation-cycles/{cycle_closed_a}/results/export/",
    "/teams/teachers/export/",
    "/teams/export/",
    "/evaluations/cycles/{cycle_closed_a}/results.xlsx",
]


@pytest.mark.parametrize("path", EXPORTS)
def test_exports_hold_the_text_as_strings_never_formulas(poisoned, path):
    client = Client()
    client.force_login(poisoned.world.users.coord_a)
    response = client.get(path.format(**poisoned.ids))
    assert response.status_code == 200, response.status_code
    found = 0
    for cell in cells(response.content):
        assert cell.data_type != "f", (path, cell.coordinate, cell.value)
        text = str(cell.value)
        assert not text.startswith(("=", "+", "-", "@")), (path, cell.coordinate, text)
        if "<script>" in text or "<img" in text:
            assert cell.data_type == "s"
            found += 1
    assert found, f"{path}: the payload is not in the export"


def test_notification_e_mails_are_plain_text(
    poisoned, tokens, django_capture_on_commit_callbacks
):
    for user in vars(poisoned.world.users).values():
        user.email = f"{user.username}@example.org"
        user.save(update_fields=["email"])
    client = Client()
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {tokens['coord_a']}"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        accepted = client.post(f"/api/v1/assignments/{poisoned.ids['prop_a']}/accept/")
    assert accepted.status_code == 200, accepted.content
    assert mail.outbox, "no e-mail was sent"
    for message in mail.outbox:
        assert message.content_subtype == "plain"
        for content, mimetype in getattr(message, "alternatives", []):
            if mimetype == "text/html":
                for raw in RAW:
                    assert raw not in content
        assert "\n" not in message.subject
    assert any(SCRIPT in m.subject + m.body for m in mail.outbox)


def test_a_line_break_in_a_title_does_not_lose_the_e_mail(
    poisoned, tokens, django_capture_on_commit_callbacks
):
    """A need title with a line break (typed or imported) would make an invalid
    mail header; the e-mail still goes, with the title on one line."""
    need = poisoned.objs["open_a"]
    need.title = "标题\nBcc: victim@example.org"
    need.save(update_fields=["title"])
    staff = poisoned.world.users.staff_a
    staff.email = "staff@example.org"
    staff.save(update_fields=["email"])
    client = Client()
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {tokens['coord_a']}"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/api/v1/assignments/{poisoned.ids['prop_a']}/accept/")
    to_staff = [m for m in mail.outbox if m.to == ["staff@example.org"]]
    assert len(to_staff) == 1
    message = to_staff[0].message()
    assert "victim@example.org" not in message.get("Bcc", "")
    assert "\n" not in to_staff[0].subject
