"""Accounts for a teacher import: every row with an e-mail address whose teacher has
no account gets one, with a one-time link; a second run creates none; an address
another account or row uses is a bad row (nothing is imported)."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import Role, User
from teams.models import Teacher

from .conftest import TEACHER_HEADERS, read_xlsx, teacher_row, upload, xlsx_bytes

pytestmark = pytest.mark.django_db

HEADERS = [*TEACHER_HEADERS, "电子邮箱"]


def roster(*rows):
    return xlsx_bytes([HEADERS, *rows])


FILE = roster(
    [*teacher_row("王老师"), "wang@example.com"],
    [*teacher_row("钱老师"), ""],
    [*teacher_row("张老师"), "zhang-new@example.com"],  # has an account already
)


def test_every_teacher_with_an_address_and_no_account_gets_one_once(
    coord_a_api, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(coord_a_api, "teachers", FILE, create_accounts="true")
    body = response.json()
    assert response.status_code == 200, body
    assert (body["created"], body["accounts_created"]) == (2, 1)
    wang = Teacher.objects.get(name="王老师")
    assert wang.user.email == "wang@example.com" and wang.user.role == Role.TEACHER
    assert not wang.user.has_usable_password()
    assert Teacher.objects.get(name="钱老师").user is None
    world.teacher_a.refresh_from_db()
    assert world.teacher_a.user == world.users.teacher_a  # kept its own account
    assert [m.to for m in mail.outbox] == [["wang@example.com"]]
    accounts = User.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        again = upload(coord_a_api, "teachers", FILE, create_accounts="true").json()
    assert (again["ok"], again["accounts_created"]) == (True, 0)
    assert User.objects.count() == accounts
    assert len(mail.outbox) == 1


def test_without_the_option_the_report_counts_who_would_get_one(coord_a_api):
    body = upload(coord_a_api, "teachers", FILE).json()
    assert body["ok"] and body["accounts_created"] == 0
    assert body["accounts_missing"] == 1
    assert Teacher.objects.get(name="王老师").user is None


def test_a_check_only_run_creates_nothing(
    coord_a_api, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        body = upload(
            coord_a_api, "teachers", FILE, create_accounts="true", dry_run="true"
        ).json()
    assert body["ok"] and body["accounts_created"] == 1
    assert not Teacher.objects.filter(name="王老师").exists()
    assert not User.objects.filter(email="wang@example.com").exists()
    assert mail.outbox == []


def test_an_address_in_use_or_repeated_is_a_bad_row(coord_a_api, world):
    User.objects.filter(pk=world.users.staff_b.pk).update(email="used@example.com")
    content = roster(
        [*teacher_row("王老师"), "USED@example.com"],
        [*teacher_row("钱老师"), "same@example.com"],
        [*teacher_row("孙老师"), "same@example.com"],
        [*teacher_row("李老师"), "not-an-address"],
    )
    response = upload(coord_a_api, "teachers", content, create_accounts="true")
    assert response.status_code == 400
    messages = {(e["row"], e["message"]) for e in response.json()["errors"]}
    assert (2, "已有其他账号使用此电子邮箱。") in messages
    assert (4, "第 3 行使用了相同的电子邮箱。") in messages
    assert (5, "「not-an-address」不是有效的电子邮箱。") in messages
    assert not Teacher.objects.filter(name__in=["王老师", "钱老师"]).exists()


def test_another_countys_coordinator_creates_no_account_there(api, world):
    response = upload(
        api.as_user(world.users.coord_b), "teachers", FILE, create_accounts="true"
    )
    assert response.status_code == 400  # 白河县 is not theirs: nothing imported
    assert not User.objects.filter(email="wang@example.com").exists()


def test_school_staff_may_not_import_teachers(api, world):
    response = upload(
        api.as_user(world.users.staff_a), "teachers", FILE, create_accounts="true"
    )
    assert response.status_code == 403


def test_the_import_page_offers_the_option_and_reports_it(
    world, django_capture_on_commit_callbacks
):
    client = Client()
    client.force_login(world.users.coord_a)
    assert 'name="create_accounts"' in client.get("/teams/import/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/teams/import/",
            {
                "kind": "teachers",
                "file": SimpleUploadedFile("t.xlsx", FILE),
                "create_accounts": "on",
            },
        )
    html = response.content.decode()
    assert 'data-testid="accounts-created"' in html
    assert "已创建 1 个账号" in html
    assert len(mail.outbox) == 1
    again = client.post(
        "/teams/import/",
        {"kind": "teachers", "file": SimpleUploadedFile("t.xlsx", FILE)},
    ).content.decode()
    assert 'data-testid="accounts-missing"' not in again  # everyone has one now


def test_the_export_carries_the_address_of_the_account(coord_a_api, world):
    User.objects.filter(pk=world.users.teacher_a.pk).update(email="zhang@example.com")
    response = coord_a_api.get("/api/v1/teachers/export/")
    assert response.status_code == 200
    rows = read_xlsx(response.content)
    email_column = rows[0].index("电子邮箱")
    assert any(row[email_column] == "zhang@example.com" for row in rows[1:])
