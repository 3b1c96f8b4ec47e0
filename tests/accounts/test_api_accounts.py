"""auth/token/, me/ and users/ (DESIGN section 6)."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import Role, User
from teams.models import Teacher

from ..conftest import PASSWORD


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    cache.clear()
    yield
    cache.clear()


# -- auth/token/ --------------------------------------------------------------------


def test_token_for_good_credentials_works_on_me(world):
    client = APIClient()
    response = client.post(
        "/api/v1/auth/token/",
        {"username": "coord_a", "password": PASSWORD},
        format="json",
    )
    assert response.status_code == 200
    assert set(response.data) == {"token"}
    token = response.data["token"]
    assert AuthToken.objects.get().user == world.users.coord_a
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get("/api/v1/me/")
    assert me.status_code == 200 and me.data["username"] == "coord_a"
    # asking again gives a new token; the first one keeps working
    again = APIClient().post(
        "/api/v1/auth/token/", {"username": "coord_a", "password": PASSWORD}
    )
    assert again.status_code == 200 and again.data["token"] != token
    assert client.get("/api/v1/me/").status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"username": "coord_a", "password": "wrong"},
        {"username": "nobody", "password": PASSWORD},
    ],
)
def test_bad_credentials_are_400_in_chinese(world, body):
    response = APIClient().post("/api/v1/auth/token/", body, format="json")
    assert response.status_code == 400
    assert response.data == {"non_field_errors": ["无法使用提供的认证信息登录。"]}
    assert not AuthToken.objects.exists()


def test_missing_credentials_are_named_per_field(world):
    response = APIClient().post("/api/v1/auth/token/", {}, format="json")
    assert response.status_code == 400
    assert set(response.data) == {"username", "password"}


def test_inactive_accounts_get_no_token(world):
    User.objects.filter(username="coord_a").update(is_active=False)
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "coord_a", "password": PASSWORD}
    )
    assert response.status_code == 400


def test_token_requests_share_the_sign_in_throttle(world, settings):
    settings.LOGIN_THROTTLE_PAIR_FAILURES = 3
    client = APIClient()
    body = {"username": "coord_a", "password": "wrong"}
    for _ in range(3):
        assert client.post("/api/v1/auth/token/", body).status_code == 400
    refused = client.post(
        "/api/v1/auth/token/", {"username": "coord_a", "password": PASSWORD}
    )
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "此账号" in refused.data["detail"]
    assert not AuthToken.objects.exists()
    # its owner elsewhere, and another account from here, are not affected
    elsewhere = client.post(
        "/api/v1/auth/token/",
        {"username": "coord_a", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.9",
    )
    assert elsewhere.status_code == 200
    other = client.post(
        "/api/v1/auth/token/", {"username": "coord_b", "password": PASSWORD}
    )
    assert other.status_code == 200


def test_failures_on_the_sign_in_page_count_for_the_token_endpoint(world, settings):
    settings.LOGIN_THROTTLE_PAIR_FAILURES = 2
    browser = Client()
    for _ in range(2):
        response = browser.post(
            "/accounts/login/", {"username": "coord_a", "password": "wrong"}
        )
        assert response.status_code == 200
    refused = APIClient().post(
        "/api/v1/auth/token/", {"username": "coord_a", "password": PASSWORD}
    )
    assert refused.status_code == 429


def test_a_bad_token_is_401(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get("/api/v1/me/").status_code == 401


# -- me/ ------------------------------------------------------------------------------


def test_me_describes_role_and_scope(world, api):
    data = api.as_user(world.users.coord_ab).get("/api/v1/me/").data
    assert data["role"] == "coordinator"
    assert sorted(data["counties"]) == sorted([world.county_a.pk, world.county_b.pk])
    assert data["school"] is None and data["teacher"] is None
    data = api.as_user(world.users.staff_a).get("/api/v1/me/").data
    assert (data["role"], data["school"]) == ("school_staff", world.school_a.pk)
    data = api.as_user(world.users.teacher_a).get("/api/v1/me/").data
    assert (data["role"], data["teacher"]) == ("teacher", world.teacher_a.pk)
    assert set(data) >= {"id", "username", "role", "counties", "school", "teacher"}
    assert "password" not in data


def test_me_needs_credentials(db):
    assert APIClient().get("/api/v1/me/").status_code == 401


# -- users/ ---------------------------------------------------------------------------


def test_admin_creates_a_coordinator_who_can_sign_in(world, api):
    response = api.as_user(world.users.admin).post(
        "/api/v1/users/",
        {
            "username": "coord_new",
            "password": "Long-enough-9",
            "role": "coordinator",
            "counties": [world.county_a.pk, world.county_b.pk],
            "first_name": "新",
        },
        format="json",
    )
    assert response.status_code == 201, response.data
    assert "password" not in response.data
    user = User.objects.get(username="coord_new")
    assert user.check_password("Long-enough-9")
    assert user.password != "Long-enough-9"
    assert set(user.counties.all()) == {world.county_a, world.county_b}
    token = APIClient().post(
        "/api/v1/auth/token/", {"username": "coord_new", "password": "Long-enough-9"}
    )
    assert token.status_code == 200


def test_setting_teacher_links_the_teacher_record(world, api):
    free = Teacher.objects.create(
        name="王老师",
        home_school=world.home,
        county=world.county_a,
        available_from="2026-09-01",
        available_until="2027-06-30",
    )
    client = api.as_user(world.users.admin)
    response = client.post(
        "/api/v1/users/",
        {
            "username": "wang",
            "password": "Long-enough-9",
            "role": "teacher",
            "teacher": free.pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.data
    assert response.data["teacher"] == free.pk
    free.refresh_from_db()
    assert free.user.username == "wang"
    # moving the link to another record frees the first one
    other = Teacher.objects.create(
        name="赵老师",
        home_school=world.home,
        county=world.county_a,
        available_from="2026-09-01",
        available_until="2027-06-30",
    )
    response = client.patch(
        f"/api/v1/users/{free.user.pk}/", {"teacher": other.pk}, format="json"
    )
    assert response.status_code == 200
    free.refresh_from_db()
    other.refresh_from_db()
    assert free.user is None and other.user.username == "wang"


def test_a_teacher_record_linked_to_someone_else_is_refused(world, api):
    response = api.as_user(world.users.admin).post(
        "/api/v1/users/",
        {
            "username": "imposter",
            "password": "Long-enough-9",
            "role": "teacher",
            "teacher": world.teacher_a.pk,
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.data["teacher"] == ["该教师档案已关联其他账号。"]
    assert not User.objects.filter(username="imposter").exists()
    world.teacher_a.refresh_from_db()
    assert world.teacher_a.user == world.users.teacher_a


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"role": "school_staff"}, "school"),
        ({"role": "coordinator", "school": "{school_a}"}, "school"),
        ({"role": "school_staff", "school": "{home}"}, "school"),
        ({"role": "teacher", "counties": ["{county_a}"]}, "counties"),
        ({"role": "boss"}, "role"),
        ({"role": "coordinator", "password": "123"}, "password"),
        ({"role": "coordinator", "password": ""}, "password"),
        ({"role": "coordinator", "username": "coord_a"}, "username"),
        ({"role": "coordinator", "counties": [987654]}, "counties"),
    ],
)
def test_bad_accounts_are_refused_per_field(world, api, body, field):
    ids = {
        "school_a": world.school_a.pk,
        "home": world.home.pk,
        "county_a": world.county_a.pk,
    }

    def fill(value):
        if isinstance(value, list):
            return [fill(v) for v in value]
        if isinstance(value, str) and value.startswith("{"):
            return ids[value.strip("{}")]
        return value

    payload = {"username": "fresh", "password": "Long-enough-9"}
    payload.update({k: fill(v) for k, v in body.items()})
    before = User.objects.count()
    response = api.as_user(world.users.admin).post(
        "/api/v1/users/", payload, format="json"
    )
    assert response.status_code == 400
    assert field in response.data, response.data
    assert User.objects.count() == before


def test_admin_changes_role_scope_and_password(world, api):
    staff = world.users.staff_a
    client = api.as_user(world.users.admin)
    response = client.patch(
        f"/api/v1/users/{staff.pk}/",
        {
            "role": "coordinator",
            "school": None,
            "counties": [world.county_a.pk],
            "password": "Another-pass-77",
        },
        format="json",
    )
    assert response.status_code == 200, response.data
    staff.refresh_from_db()
    assert staff.role == Role.COORDINATOR and staff.school is None
    assert list(staff.counties.all()) == [world.county_a]
    assert staff.check_password("Another-pass-77")


def test_the_admin_role_opens_the_django_admin(world, api):
    client = api.as_user(world.users.admin)
    response = client.post(
        "/api/v1/users/",
        {"username": "boss", "password": "Long-enough-9", "role": "admin"},
        format="json",
    )
    assert response.status_code == 201
    boss = User.objects.get(username="boss")
    assert boss.is_admin and boss.is_staff and boss.is_superuser
    client.patch(f"/api/v1/users/{boss.pk}/", {"role": "coordinator"}, format="json")
    boss.refresh_from_db()
    assert not boss.is_staff and not boss.is_superuser and not boss.is_admin


def test_users_list_filters_and_search(world, api):
    client = api.as_user(world.users.admin)
    response = client.get("/api/v1/users/", {"role": "coordinator"})
    names = {row["username"] for row in response.data["results"]}
    assert names == {"coord_a", "coord_b", "coord_ab", "outsider"}
    response = client.get("/api/v1/users/", {"search": "staff"})
    assert {row["username"] for row in response.data["results"]} == {
        "staff_a",
        "staff_b",
    }


def test_users_is_for_admins_only(world, api):
    for persona in ("coord_a", "staff_a", "teacher_a", "outsider"):
        client = api.as_user(getattr(world.users, persona))
        assert client.get("/api/v1/users/").status_code == 403
        assert (
            client.patch(
                f"/api/v1/users/{world.users.staff_a.pk}/",
                {"role": "admin"},
                format="json",
            ).status_code
            == 403
        )
    assert User.objects.get(username="staff_a").role == Role.SCHOOL_STAFF


def test_account_errors_in_english_when_chosen(world, api):
    client = api.as_user(world.users.admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(
        "/api/v1/users/",
        {"username": "x1", "password": "Long-enough-9", "role": "school_staff"},
        format="json",
    )
    assert response.data["school"] == ["A school staff account needs its school."]
