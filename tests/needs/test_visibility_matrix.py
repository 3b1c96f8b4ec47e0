# ruff: noqa: E501 -- the matrix reads best as one row per endpoint and verb
"""Who may do what, as one table: every persona x every endpoint x verb or action.

Reading a row: the expected status for each persona, in the order of PERSONAS. 404
means the object is outside the persona's scope (it does not exist for them); 403
means they can see it but their role may not do this. Every refused request changes
nothing. Out-of-scope objects are also absent from lists and from filter choices."""

import json

import pytest
from django.contrib.auth import get_user_model

from needs.models import Need, NeedStatus, NeedTransition
from places.models import County, School

from .. import factories as f
from .conftest import make_need

S = NeedStatus
User = get_user_model()

PERSONAS = (
    "anonymous",
    "admin",
    "coord_a",
    "coord_b",
    "coord_ab",
    "staff_a",
    "staff_b",
    "teacher_a",
    "outsider",
)

NEED_BODY = {
    "school": "{school_a}",
    "specialty": "{ecommerce}",
    "kind": "teaching",
    "title": "矩阵需求",
    "headcount": 1,
    "start_date": "2026-09-01",
    "end_date": "2026-12-31",
    "urgency": 3,
}
REVIEW_BODY = {
    "decision": "approve",
    "diagnosis": {
        "urgency": 4,
        "students_affected": 4,
        "industry_fit": 4,
        "readiness": 4,
    },
}
USER_BODY = {"username": "new_user", "password": "Xq9-long-pass", "role": "coordinator"}
COUNTY_BODY = {"name": "新县", "province": "陕西省", "code": "610999"}
SCHOOL_BODY = {"name": "新学校", "county": "{county_a}", "kind": "assisted"}
NAMED = {"name": "新名"}
TITLED = {"title": "改"}
REASON = {"reason": "不需要"}

#                                                           anon adm c_a c_b cab s_a s_b t_a out
MATRIX = [
    ("GET", "me/", None,                                   "401 200 200 200 200 200 200 200 200"),
    ("GET", "users/", None,                                "401 200 403 403 403 403 403 403 403"),
    ("POST", "users/", USER_BODY,                          "401 201 403 403 403 403 403 403 403"),
    ("GET", "users/{user_staff_a}/", None,                 "401 200 403 403 403 403 403 403 403"),
    ("PATCH", "users/{user_staff_a}/", {"first_name": "甲"}, "401 200 403 403 403 403 403 403 403"),
    ("GET", "counties/", None,                             "401 200 200 200 200 200 200 200 200"),
    ("POST", "counties/", COUNTY_BODY,                     "401 201 403 403 403 403 403 403 403"),
    ("GET", "counties/{county_a}/", None,                  "401 200 200 404 200 200 404 200 404"),
    ("PATCH", "counties/{county_a}/", NAMED,               "401 200 403 404 403 403 404 403 404"),
    ("GET", "counties/{county_b}/", None,                  "401 200 404 200 200 404 200 404 404"),
    ("GET", "schools/", None,                              "401 200 200 200 200 200 200 200 200"),
    ("POST", "schools/", SCHOOL_BODY,                      "401 201 403 403 403 403 403 403 403"),
    ("GET", "schools/{school_a}/", None,                   "401 200 200 404 200 200 404 200 404"),
    ("PATCH", "schools/{school_a}/", NAMED,                "401 200 403 404 403 403 404 403 404"),
    ("GET", "schools/{school_b}/", None,                   "401 200 404 200 200 404 200 404 404"),
    ("GET", "specialty-families/", None,                   "401 200 200 200 200 200 200 200 200"),
    ("GET", "specialties/", None,                          "401 200 200 200 200 200 200 200 200"),
    ("GET", "specialties/{ecommerce}/", None,              "401 200 200 200 200 200 200 200 200"),
    ("GET", "needs/", None,                                "401 200 200 200 200 200 200 200 200"),
    ("POST", "needs/", NEED_BODY,                          "401 201 403 403 403 201 400 403 403"),
    ("GET", "needs/{open_a}/", None,                       "401 200 200 404 200 200 404 200 404"),
    ("GET", "needs/{open_b}/", None,                       "401 200 404 200 200 404 200 404 404"),
    ("PATCH", "needs/{draft_a}/", TITLED,                  "401 200 403 404 403 200 404 403 404"),
    ("PATCH", "needs/{draft_b}/", TITLED,                  "401 200 404 403 403 404 200 404 404"),
    ("DELETE", "needs/{draft_unassigned_a}/", None,        "401 204 403 404 403 204 404 404 404"),
    ("POST", "needs/{draft_a}/submit/", {},                "401 200 200 404 200 200 404 403 404"),
    ("POST", "needs/{submitted_a}/review/", REVIEW_BODY,   "401 200 200 404 200 403 404 403 404"),
    ("POST", "needs/{open_a}/cancel/", REASON,             "401 200 200 404 200 200 404 403 404"),
    ("POST", "needs/{matched_a}/confirm/", {"reason": "r"},"401 200 403 404 403 200 404 403 404"),
]  # fmt: skip


@pytest.fixture
def objs(world):
    """The objects the table names, each in the state its row needs. teacher_a is
    assigned to every need of school A except ``draft_unassigned_a``."""
    needs = {
        "draft_a": make_need(world, S.DRAFT),
        "draft_unassigned_a": make_need(world, S.DRAFT),
        "submitted_a": make_need(world, S.SUBMITTED),
        "open_a": make_need(world, S.OPEN),
        "matched_a": make_need(world, S.MATCHED),
        "draft_b": make_need(world, S.DRAFT, school=world.school_b),
        "open_b": make_need(world, S.OPEN, school=world.school_b),
    }
    # Four live proposals need the capacity for them: the database refuses a
    # teacher more live assignments than their capacity (matching migration 0004).
    world.teacher_a.capacity = 4
    world.teacher_a.save(update_fields=["capacity"])
    for key, need in needs.items():
        if key.endswith("_a") and key != "draft_unassigned_a":
            f.AssignmentFactory(need=need, teacher=world.teacher_a)
    ids = {key: need.pk for key, need in needs.items()}
    ids.update(
        county_a=world.county_a.pk,
        county_b=world.county_b.pk,
        school_a=world.school_a.pk,
        school_b=world.school_b.pk,
        ecommerce=world.ecommerce.pk,
        user_staff_a=world.users.staff_a.pk,
    )
    return ids


def fill(value, ids):
    if isinstance(value, str):
        formatted = value.format(**ids)
        return (
            int(formatted)
            if value.startswith("{") and formatted.isdigit()
            else formatted
        )
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    return value


def fingerprint():
    """What a refused request must not change."""
    return (
        list(
            Need.objects.order_by("pk").values_list(
                "pk", "status", "title", "updated_at"
            )
        ),
        NeedTransition.objects.count(),
        list(County.objects.order_by("pk").values_list("pk", "name", "code")),
        list(School.objects.order_by("pk").values_list("pk", "name")),
        list(User.objects.order_by("pk").values_list("pk", "username", "first_name")),
    )


CASES = [
    pytest.param(
        method, path, body, persona, int(code), id=f"{method} {path} {persona}"
    )
    for method, path, body, codes in MATRIX
    for persona, code in zip(PERSONAS, codes.split(), strict=True)
]


@pytest.mark.parametrize(("method", "path", "body", "persona", "expected"), CASES)
def test_visibility_matrix(world, objs, api, method, path, body, persona, expected):
    if persona != "anonymous":
        api.as_user(getattr(world.users, persona))
    before = fingerprint()
    response = api.generic(
        method,
        "/api/v1/" + fill(path, objs),
        data=None if body is None else json.dumps(fill(body, objs)),
        content_type="application/json",
    )
    assert response.status_code == expected, getattr(response, "data", response)
    if expected >= 400:
        assert fingerprint() == before


# -- lists and filter choices -------------------------------------------------------

A_NEEDS = {"draft_a", "draft_unassigned_a", "submitted_a", "open_a", "matched_a"}
B_NEEDS = {"draft_b", "open_b"}

# persona -> the needs of ``objs`` in their list
LISTED = {
    "admin": A_NEEDS | B_NEEDS,
    "coord_a": A_NEEDS,
    "coord_b": B_NEEDS,
    "coord_ab": A_NEEDS | B_NEEDS,
    "staff_a": A_NEEDS,
    "staff_b": B_NEEDS,
    "teacher_a": A_NEEDS - {"draft_unassigned_a"},
    "teacher_b": set(),
    "outsider": set(),
}

ALL_COUNTIES = {"county_a", "county_b", "liyang"}
ALL_SCHOOLS = {"school_a", "school_a2", "school_b", "home"}

# persona -> (counties, schools) in their lists
REFERENCE = {
    "admin": (ALL_COUNTIES, ALL_SCHOOLS),
    "coord_a": ({"county_a"}, {"school_a", "school_a2"}),
    "coord_b": ({"county_b"}, {"school_b"}),
    "coord_ab": ({"county_a", "county_b"}, {"school_a", "school_a2", "school_b"}),
    "staff_a": ({"county_a"}, {"school_a"}),
    "staff_b": ({"county_b"}, {"school_b"}),
    "teacher_a": ({"county_a"}, {"school_a", "home"}),
    "teacher_b": ({"county_b"}, {"home"}),
    "outsider": (set(), set()),
}


def listed_ids(client, path, **params):
    response = client.get(path, {"page_size": 100, **params})
    assert response.status_code == 200
    return {row["id"] for row in response.data["results"]}


@pytest.mark.parametrize("persona", list(LISTED))
def test_lists_hold_exactly_the_scope(world, objs, api, persona):
    client = api.as_user(getattr(world.users, persona))
    assert listed_ids(client, "/api/v1/needs/") == {objs[k] for k in LISTED[persona]}
    counties, schools = REFERENCE[persona]
    assert listed_ids(client, "/api/v1/counties/") == {
        getattr(world, k).pk for k in counties
    }
    assert listed_ids(client, "/api/v1/schools/") == {
        getattr(world, k).pk for k in schools
    }


@pytest.mark.parametrize(
    ("persona", "param", "outside"),
    [
        ("coord_a", "school", "school_b"),
        ("coord_a", "county", "county_b"),
        ("coord_b", "school", "school_a"),
        ("staff_a", "school", "school_a2"),
        ("staff_a", "school", "school_b"),
        ("staff_a", "county", "county_b"),
        ("teacher_a", "school", "school_b"),
        ("outsider", "county", "county_a"),
    ],
)
def test_filters_do_not_reveal_objects_outside_the_scope(
    world, objs, api, persona, param, outside
):
    """A filter on an object outside the scope answers exactly as one on an id that
    does not exist: no rows, and no sign that the object is there."""
    client = api.as_user(getattr(world.users, persona))
    outside_id = getattr(world, outside).pk
    missing_id = 987654321
    answer = client.get("/api/v1/needs/", {param: outside_id})
    nothing = client.get("/api/v1/needs/", {param: missing_id})
    assert answer.status_code == nothing.status_code == 400
    assert str(answer.data).replace(str(outside_id), "X") == str(nothing.data).replace(
        str(missing_id), "X"
    )
    if param == "county":
        answer = client.get("/api/v1/schools/", {"county": outside_id})
        nothing = client.get("/api/v1/schools/", {"county": missing_id})
        assert answer.status_code == nothing.status_code == 400


def test_filter_on_an_object_in_scope_works(world, objs, api):
    client = api.as_user(world.users.coord_ab)
    assert listed_ids(client, "/api/v1/needs/", school=world.school_b.pk) == {
        objs["draft_b"],
        objs["open_b"],
    }
    assert listed_ids(client, "/api/v1/needs/", county=world.county_a.pk) == {
        objs[k] for k in A_NEEDS
    }
