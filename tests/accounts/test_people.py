"""Accounts that coordinators create for the teachers and school staff of their
counties: the one-time link to choose a password, scope role by role, duplicate
addresses and usernames, new links, and the pages."""

import re
from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.test import Client

from accounts.invitations import invitation_tokens
from accounts.models import Role, User

from .. import factories as f
from ..conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Kettle-drum-4711"


@pytest.fixture
def newcomer(world):
    """A teacher stationed in county A with no account yet."""
    return f.TeacherFactory(
        name="王新来", home_school=world.home, county=world.county_a
    )


@pytest.fixture
def newcomer_b(world):
    return f.TeacherFactory(
        name="赵新来", home_school=world.home, county=world.county_b
    )


def staff_body(world, **changes):
    return {
        "role": "school_staff",
        "school": world.school_a.pk,
        "name": "刘联络",
        "email": "liu@example.com",
        **changes,
    }


def link_in(message) -> str:
    return re.search(r"http://testserver(/accounts/invitation/\S+/)", message.body)[1]


def test_a_coordinator_creates_a_teacher_account_and_the_link_is_mailed(
    world, api, newcomer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.as_user(world.users.coord_a).post(
            "/api/v1/people/",
            {"role": "teacher", "teacher": newcomer.pk, "email": "Wang@Example.com"},
            format="json",
        )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "waiting_for_password"
    assert body["name"] == "王新来" and body["teacher"] == newcomer.pk
    user = User.objects.get(pk=body["id"])
    assert user.username == "wang@example.com" and user.role == Role.TEACHER
    assert not user.has_usable_password()
    newcomer.refresh_from_db()
    assert newcomer.user_id == user.pk
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["Wang@example.com"]  # the domain in lower case
    assert "组团式帮扶平台" in message.subject
    assert "wang@example.com" in message.body  # the username to sign in with
    assert link_in(message)


def test_the_account_cannot_sign_in_before_the_link_is_used(
    world, api, newcomer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        api.as_user(world.users.coord_a).post(
            "/api/v1/people/",
            {"role": "teacher", "teacher": newcomer.pk, "email": "wang@example.com"},
            format="json",
        )
    client = Client()
    for password in ("", "!", "wang@example.com"):
        assert not client.login(username="wang@example.com", password=password)
    token = Client().post(
        "/api/v1/auth/token/", {"username": "wang@example.com", "password": "x"}
    )
    assert token.status_code == 400


def test_the_link_works_once(
    world, client, newcomer, django_capture_on_commit_callbacks
):
    coordinator = Client()
    coordinator.force_login(world.users.coord_a)
    with django_capture_on_commit_callbacks(execute=True):
        coordinator.post(
            "/accounts/people/new/",
            {"role": "teacher", "teacher": newcomer.pk, "email": "wang@example.com"},
        )
    link = link_in(mail.outbox[0])
    form = client.get(link, follow=True)
    assert form.status_code == 200
    assert "设置您的密码" in form.content.decode()
    assert "wang@example.com" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert done.status_code == 200
    assert "密码已设置" in done.content.decode()  # and signed in, on their page
    user = User.objects.get(username="wang@example.com")
    assert user.check_password(NEW_PASSWORD)
    assert Client().login(username="wang@example.com", password=NEW_PASSWORD)
    again = Client().get(link, follow=True)
    assert 'data-testid="link-dead"' in again.content.decode()


def test_the_link_expires(world, newcomer, settings, monkeypatch):
    settings.ACCOUNT_INVITATION_TTL = 3600
    from accounts import services

    user = services.account_invite(
        actor=world.users.coord_a,
        role="teacher",
        teacher=newcomer,
        email="wang@example.com",
        link_base="http://testserver",
    )
    token = invitation_tokens.make_token(user)
    assert invitation_tokens.check_token(user, token)
    later = datetime.now() + timedelta(seconds=3601)  # Django's clock: naive
    monkeypatch.setattr(invitation_tokens, "_now", lambda: later)
    assert not invitation_tokens.check_token(user, token)


def test_a_reset_token_is_no_invitation(world, newcomer):
    from django.contrib.auth.tokens import default_token_generator

    from accounts import services

    user = services.account_invite(
        actor=world.users.coord_a,
        role="teacher",
        teacher=newcomer,
        email="wang@example.com",
        link_base="http://testserver",
    )
    assert not invitation_tokens.check_token(
        user, default_token_generator.make_token(user)
    )


def test_a_new_link_ends_the_earlier_ones(
    world, api, newcomer, django_capture_on_commit_callbacks
):
    coordinator = api.as_user(world.users.coord_a)
    with django_capture_on_commit_callbacks(execute=True):
        created = coordinator.post(
            "/api/v1/people/",
            {"role": "teacher", "teacher": newcomer.pk, "email": "wang@example.com"},
            format="json",
        ).json()
    first = link_in(mail.outbox[0])
    with django_capture_on_commit_callbacks(execute=True):
        again = coordinator.post(f"/api/v1/people/{created['id']}/resend-invitation/")
    assert again.status_code == 200
    assert len(mail.outbox) == 2
    assert (
        'data-testid="link-dead"' in Client().get(first, follow=True).content.decode()
    )
    second = Client().get(link_in(mail.outbox[1]), follow=True).content.decode()
    assert 'data-testid="set-password"' in second


def test_too_many_new_links_answer_429(world, api, newcomer, settings):
    settings.ACCOUNT_INVITATIONS_PER_HOUR = 2
    coordinator = api.as_user(world.users.coord_a)
    created = coordinator.post(
        "/api/v1/people/",
        {"role": "teacher", "teacher": newcomer.pk, "email": "wang@example.com"},
        format="json",
    ).json()
    url = f"/api/v1/people/{created['id']}/resend-invitation/"
    assert coordinator.post(url).status_code == 200
    assert coordinator.post(url).status_code == 200
    refused = coordinator.post(url)
    assert refused.status_code == 429
    assert refused["Retry-After"]
    assert "一小时" in refused.json()["detail"]


def test_a_new_link_for_an_account_with_a_password_is_409(world, api):
    response = api.as_user(world.users.coord_a).post(
        f"/api/v1/people/{world.users.staff_a.pk}/resend-invitation/"
    )
    assert response.status_code == 409
    assert User.objects.get(pk=world.users.staff_a.pk).check_password(PASSWORD)


# -- scope, role by role -------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("admin", 201),
        ("coord_a", 201),
        ("coord_ab", 201),
        ("coord_b", 400),  # the school is outside their scope: as if it did not exist
        ("outsider", 400),
        ("staff_a", 403),
        ("teacher_a", 403),
    ],
)
def test_who_may_create_a_staff_account_of_school_a(world, api, persona, expected):
    before = User.objects.count()
    response = api.as_user(getattr(world.users, persona)).post(
        "/api/v1/people/", staff_body(world), format="json"
    )
    assert response.status_code == expected, response.content
    assert User.objects.count() == before + (1 if expected == 201 else 0)


def test_anonymous_may_not_create_accounts(world):
    assert Client().post("/api/v1/people/", staff_body(world)).status_code == 401
    assert Client().get("/accounts/people/new/").status_code == 302


def test_another_countys_teacher_is_refused(world, api, newcomer_b):
    response = api.as_user(world.users.coord_a).post(
        "/api/v1/people/",
        {"role": "teacher", "teacher": newcomer_b.pk, "email": "z@example.com"},
        format="json",
    )
    assert response.status_code == 400
    assert "teacher" in response.json()
    newcomer_b.refresh_from_db()
    assert newcomer_b.user_id is None


@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_coordinators_create_no_coordinator_or_admin(world, api, role):
    before = User.objects.count()
    response = api.as_user(world.users.coord_a).post(
        "/api/v1/people/",
        {"role": role, "name": "新人", "email": "n@example.com"},
        format="json",
    )
    assert response.status_code == 403
    assert User.objects.count() == before


def test_a_duplicate_email_or_username_is_400_in_chinese(world, api):
    User.objects.filter(pk=world.users.staff_b.pk).update(email="Taken@example.com")
    coordinator = api.as_user(world.users.coord_a)
    taken = coordinator.post(
        "/api/v1/people/", staff_body(world, email="taken@EXAMPLE.com"), format="json"
    )
    assert taken.status_code == 400
    assert taken.json()["email"] == ["已有其他账号使用此电子邮箱。"]
    username = coordinator.post(
        "/api/v1/people/", staff_body(world, username="STAFF_A"), format="json"
    )
    assert username.status_code == 400
    assert username.json()["username"] == ["该用户名已被使用，请另选一个。"]
    assert not User.objects.filter(email="liu@example.com").exists()


def test_a_teacher_with_an_account_gets_no_second_one(world, api):
    response = api.as_user(world.users.coord_a).post(
        "/api/v1/people/",
        {"role": "teacher", "teacher": world.teacher_a.pk, "email": "t@example.com"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["teacher"] == ["该教师已有账号。"]


def test_the_list_holds_the_coordinators_people_only(world, api):
    def usernames(persona):
        response = api.as_user(getattr(world.users, persona)).get("/api/v1/people/")
        assert response.status_code == 200
        return {row["username"] for row in response.json()["results"]}

    assert usernames("coord_a") == {"staff_a", "teacher_a"}
    assert usernames("coord_b") == {"staff_b", "teacher_b"}
    assert usernames("outsider") == set()
    assert usernames("admin") == {"staff_a", "staff_b", "teacher_a", "teacher_b"}
    for persona in ("staff_a", "teacher_a"):
        assert (
            api.as_user(getattr(world.users, persona))
            .get("/api/v1/people/")
            .status_code
            == 403
        )


# -- pages ----------------------------------------------------------------------------


def test_the_people_page_by_role(world):
    for persona, expected in (
        ("coord_a", 200),
        ("admin", 200),
        ("staff_a", 403),
        ("teacher_a", 403),
    ):
        client = Client()
        client.force_login(getattr(world.users, persona))
        assert client.get("/accounts/people/").status_code == expected, persona
    client = Client()
    client.force_login(world.users.coord_a)
    page = client.get("/accounts/people/").content.decode()
    assert "staff_a" in page and "staff_b" not in page
    assert f"/accounts/people/new/?school={world.school_a.pk}" in page
    assert f"?school={world.school_b.pk}" not in page


def test_the_form_is_reached_from_the_teacher_list_and_a_school(world, newcomer):
    client = Client()
    client.force_login(world.users.coord_a)
    teachers = client.get("/teams/teachers/").content.decode()
    assert f"/accounts/people/new/?teacher={newcomer.pk}" in teachers
    form = client.get(f"/accounts/people/new/?teacher={newcomer.pk}").content.decode()
    assert f'value="{newcomer.pk}" selected' in form
    form = client.get(f"/accounts/people/new/?school={world.school_a.pk}")
    assert f'value="{world.school_a.pk}" selected' in form.content.decode()


def test_another_countys_teacher_or_school_is_404_on_the_page(world, newcomer_b):
    client = Client()
    client.force_login(world.users.coord_a)
    assert (
        client.get(f"/accounts/people/new/?teacher={newcomer_b.pk}").status_code == 404
    )
    assert (
        client.get(f"/accounts/people/new/?school={world.school_b.pk}").status_code
        == 404
    )
    assert client.get("/accounts/people/new/?school=x").status_code == 404
    before = User.objects.count()
    response = client.post(
        "/accounts/people/new/",
        {"role": "teacher", "teacher": newcomer_b.pk, "email": "z@example.com"},
    )
    assert response.status_code == 200  # the form again, with the choice refused
    assert User.objects.count() == before


def test_the_page_shows_a_duplicate_address_by_its_field(world):
    User.objects.filter(pk=world.users.staff_b.pk).update(email="taken@example.com")
    client = Client()
    client.force_login(world.users.coord_a)
    response = client.post(
        "/accounts/people/new/",
        {
            "role": "school_staff",
            "school": world.school_a.pk,
            "name": "刘",
            "email": "taken@example.com",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "已有其他账号使用此电子邮箱。" in html
    assert not User.objects.filter(first_name="刘").exists()
