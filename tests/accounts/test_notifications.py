"""One ``notify()`` for every notice: the inbox row is written with the change it
reports and rolls back with it; e-mail leaves only after the commit, at once for an
urgent notice, else in one digest per user and day."""

import pytest
from django.core import mail
from django.db import transaction

from accounts.models import Notification
from accounts.notifications import notify, send_digests


class Refused(Exception):
    pass


@pytest.fixture
def coordinator(world):
    user = world.users.coord_a
    user.email = "coord_a@example.cn"
    user.save(update_fields=["email"])
    return user


def test_an_urgent_notice_is_e_mailed_only_once_the_transaction_commits(
    coordinator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(users=[coordinator], title="新的匹配建议", url="/matching/proposals/")
    note = Notification.objects.get(user=coordinator)
    assert note.urgent and note.emailed_at is not None
    assert mail.outbox == []
    for callback in callbacks:
        callback()
    assert [m.to for m in mail.outbox] == [["coord_a@example.cn"]]
    assert mail.outbox[0].subject == "新的匹配建议"
    assert "/matching/proposals/" in mail.outbox[0].body


@pytest.mark.parametrize("urgent", [True, False])
def test_nothing_is_written_or_sent_when_the_transaction_rolls_back(
    coordinator, django_capture_on_commit_callbacks, urgent
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Refused),
        transaction.atomic(),
    ):
        notify(users=[coordinator], title="不该发出", urgent=urgent)
        raise Refused
    assert callbacks == []
    assert not Notification.objects.exists()
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        assert send_digests() == 0
    assert mail.outbox == []


def test_non_urgent_notices_go_out_as_one_digest_a_day(
    coordinator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notify(users=[coordinator], title="甲", urgent=False)
        notify(users=[coordinator], title="乙", urgent=False)
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        assert send_digests() == 1
    assert len(mail.outbox) == 1
    assert "甲" in mail.outbox[0].body and "乙" in mail.outbox[0].body
    with django_capture_on_commit_callbacks(execute=True):
        notify(users=[coordinator], title="丙", urgent=False)
        assert send_digests() == 0  # already had today's digest
    assert len(mail.outbox) == 1
    assert Notification.objects.get(title="丙").emailed_at is None


def test_a_user_without_an_address_gets_the_inbox_row_and_no_e_mail(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert notify(users=[world.users.staff_a], title="无邮箱") == 1
    note = Notification.objects.get(user=world.users.staff_a)
    assert note.emailed_at is None
    assert mail.outbox == []
