"""Hostile input never reaches a server error.

1. Schemathesis over the OpenAPI document (``/api/v1/schema/``), through the WSGI
   application: every operation, as a programme admin and as a coordinator, with
   valid (positive) and invalid (negative) data, NUL bytes included; path ids are
   real objects half of the time, so that writes get past the 404. The only check
   is ``not_a_server_error``; the number of examples is bounded so that it runs in
   about a minute. Every request runs in a savepoint that is rolled back.
2. The schema documents the 400/401/403/404/409 answers.
3. Explicit cases: a 3 MB body, NUL bytes in strings and query parameters, 10^30 in
   integer fields and parameters, JSON nested 10,000 levels deep, unknown orderings,
   malformed dates, wrong content types."""

import contextlib
import json
from collections import Counter

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import Client
from django.utils import translation
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error  # noqa: F401 - the check we mirror

from assist_platform.wsgi import application

# How many examples per operation and generation mode, per user.
EXAMPLES = {"admin": 5, "coord_a": 2}

# The object a path ``{id}`` gets (half of the time) for each resource.
REAL_IDS = {
    "users": "user_staff_a",
    "counties": "county_a",
    "schools": "school_a",
    "specialties": "ecommerce",
    "specialty-families": "family",
    "needs": "draft_a",
    "teachers": "teacher_a",
    "teams": "team_a",
    "matching-runs": "run_a",
    "assignments": "prop_a",
    "activities": "disputed_a",
    "evaluation-frameworks": "framework",
    "evaluation-cycles": "cycle_draft_a",
    "evaluations": "eval_teacher_a",
    "ratings": "rating_staff_a",
}


class _Rollback(Exception):
    pass


def load_schema():
    return schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)


def operations(schema):
    found = []
    for result in schema.get_all_operations():
        found.append(result.ok())
    return found


def fuzz(operation, mode, headers, real_id, max_examples, tally, failures):
    """Send ``max_examples`` generated requests for one operation and mode."""
    counter = {"n": 0}

    @settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        counter["n"] += 1
        path_parameters = case.path_parameters or {}
        if real_id is not None and "id" in path_parameters and counter["n"] % 2:
            case.path_parameters["id"] = real_id
        try:
            with transaction.atomic():
                response = case.call(headers=headers)
                raise _Rollback(response)
        except _Rollback as done:
            response = done.args[0]
        tally[response.status_code] += 1
        if response.status_code >= 500:
            failures.append(
                f"{operation.label} [{mode.value}] -> {response.status_code}\n"
                f"    {case.as_curl_command()[:600]}"
            )

    with contextlib.suppress(Unsatisfiable):  # nothing to negate in this operation
        run()
    return counter["n"]


@pytest.fixture
def wsgi_keeps_the_test_connection():
    """Requests through the real WSGI handler close the database connection when
    they finish (``close_old_connections``), which would end the test's
    transaction; Django's own test client turns that off in the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.parametrize("persona", list(EXAMPLES))
def test_schemathesis_finds_no_server_error(
    full, tokens, persona, capsys, wsgi_keeps_the_test_connection
):
    schema = load_schema()
    ops = operations(schema)
    assert len(ops) >= 70
    headers = {"Authorization": f"Token {tokens[persona]}"}
    tally, failures, examples = Counter(), [], 0
    for operation in ops:
        resource = operation.path.removeprefix("/api/v1/").split("/")[0]
        real = full.ids[REAL_IDS[resource]] if resource in REAL_IDS else None
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            examples += fuzz(
                operation, mode, headers, real, EXAMPLES[persona], tally, failures
            )
    with capsys.disabled():
        print(
            f"\nschemathesis as {persona}: {len(ops)} operations, {examples} "
            f"examples, answers {dict(sorted(tally.items()))}, "
            f"{len(failures)} server errors"
        )
    assert not failures, "\n".join(failures)


# -- the schema documents the error answers ---------------------------------------

TRANSITIONS = (
    "submit",
    "review",
    "cancel",
    "confirm",
    "accept",
    "decline",
    "complete",
    "dispute",
    "dismiss-dispute",
    "open",
    "close",
)


def test_the_schema_documents_the_error_answers(client):
    schema = client.get("/api/v1/schema/?format=json").json()
    missing = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            codes = set(operation["responses"])
            needed = set()
            if operation.get("security"):
                needed.add("401")
            if "{" in path:
                needed.add("404")
            if "requestBody" in operation:
                needed.add("400")
            if method != "get" and operation.get("security"):
                needed.add("403")
            if path.rstrip("/").rsplit("/", 1)[-1] in TRANSITIONS:
                needed.add("409")
            if needed - codes:
                missing.append(f"{method.upper()} {path}: {sorted(needed - codes)}")
            for code in codes & {"400", "401", "403", "404", "409"}:
                answer = operation["responses"][code]
                assert answer.get("description"), (path, method, code)
    assert not missing, "\n".join(missing)


# -- explicit hostile cases ---------------------------------------------------------


@pytest.fixture
def admin_api(full, tokens):
    client = Client()
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {tokens['admin']}"
    return client


@pytest.fixture
def staff_api(full, tokens):
    client = Client()
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {tokens['staff_a']}"
    return client


def post_json(client, path, data, method="POST"):
    body = data if isinstance(data, str | bytes) else json.dumps(data)
    return client.generic(method, path, body, content_type="application/json")


def need_body(full, **changes):
    return {
        "school": full.ids["school_a"],
        "specialty": full.ids["ecommerce"],
        "kind": "teaching",
        "title": "正常需求",
        "description": "说明",
        "headcount": 1,
        "start_date": "2026-12-01",
        "end_date": "2027-03-31",
        "urgency": 3,
        **changes,
    }


def test_a_3_mb_body_is_refused_cleanly(full, admin_api):
    from needs.models import Need

    before = Need.objects.count()
    big = need_body(full, description="长" * (3 * 1024 * 1024 // 3 + 10))
    response = post_json(admin_api, "/api/v1/needs/", big)
    assert response.status_code == 413, response.status_code
    assert response.json()["detail"] == "请求过大（最多 1.0 MB）。"
    assert Need.objects.count() == before
    reason = {"reason": "长" * (3 * 1024 * 1024 // 3 + 10)}
    response = post_json(
        admin_api, f"/api/v1/needs/{full.ids['open_a']}/cancel/", reason
    )
    assert response.status_code == 413
    form = Client()
    form.force_login(full.world.users.staff_a)
    # a multipart form: its fields are held to DATA_UPLOAD_MAX_MEMORY_SIZE (400)
    page = form.post("/needs/new/", {"title": "x", "description": "长" * 1_100_000})
    assert page.status_code == 400
    page = form.post(
        "/needs/new/",
        f"title=x&description={'%E9%95%BF' * 400_000}",
        content_type="application/x-www-form-urlencoded",
    )
    assert page.status_code == 413
    assert Need.objects.count() == before


def test_a_big_spreadsheet_upload_is_still_accepted_by_size(full, admin_api):
    """File uploads have their own (larger) limit: a 2 MB file gets to the importer,
    which answers with its report, not a size refusal."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    content = b"\xe5\xa7\x93\xe5\x90\x8d\n" + b"x" * (2 * 1024 * 1024)
    response = admin_api.post(
        "/api/v1/imports/teachers/",
        {"file": SimpleUploadedFile("big.csv", content, "text/csv")},
    )
    assert response.status_code == 400
    assert "errors" in response.json()


NUL = "a\x00b"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/needs/",
        "/api/v1/teachers/",
        "/api/v1/teams/",
        "/api/v1/schools/",
        "/api/v1/counties/",
        "/api/v1/assignments/",
        "/api/v1/activities/",
        "/api/v1/evaluation-cycles/",
        "/api/v1/evaluations/",
        "/api/v1/ratings/",
        "/api/v1/users/",
        "/api/v1/specialties/",
        "/api/v1/needs/export/",
        "/api/v1/dashboard/",
    ],
)
def test_nul_bytes_in_query_parameters(admin_api, path):
    for params in (
        {"search": NUL},
        {"ordering": NUL},
        {"school": NUL},
        {"county": NUL},
        {"status": NUL},
        {"title": NUL},
        {"from": NUL},
        {"page": NUL},
    ):
        response = admin_api.get(path, params)
        assert response.status_code < 500, (path, params, response.status_code)


def test_nul_bytes_in_bodies_and_pages(full, admin_api, staff_api):
    ids = full.ids
    cases = [
        (staff_api, "POST", "/api/v1/needs/", need_body(full, title=NUL)),
        (staff_api, "POST", "/api/v1/needs/", need_body(full, description=NUL)),
        (staff_api, "PATCH", f"/api/v1/needs/{ids['draft_a']}/", {"title": NUL}),
        (admin_api, "POST", f"/api/v1/needs/{ids['open_a']}/cancel/", {"reason": NUL}),
        (admin_api, "POST", "/api/v1/teams/", {"name": NUL, "county": ids["county_a"]}),
        (admin_api, "PATCH", f"/api/v1/teachers/{ids['teacher_a']}/", {"name": NUL}),
        (admin_api, "POST", "/api/v1/users/", {"username": NUL, "role": "admin"}),
        (admin_api, "POST", "/api/v1/auth/token/", {"username": NUL, "password": NUL}),
        (admin_api, "POST", "/api/v1/evaluation-frameworks/", {"name": NUL}),
        (
            admin_api,
            "POST",
            "/api/v1/ratings/",
            {"evaluation": ids["eval_teacher_a"], "scores": {NUL: 80}},
        ),
    ]
    for client, method, path, body in cases:
        response = post_json(client, path, body, method)
        assert response.status_code in (400, 403, 404), (
            path,
            body,
            response.status_code,
        )
    page = Client()
    page.force_login(full.world.users.coord_a)
    for path in (
        "/needs/",
        "/teams/teachers/",
        "/teams/",
        "/activities/",
        "/dashboard/",
    ):
        for params in ({"q": NUL}, {"search": NUL}, {"status": NUL}, {"county": NUL}):
            response = page.get(path, params)
            assert response.status_code < 500, (path, params, response.status_code)
    assert page.get("/needs/a%00b/").status_code in (400, 404)
    assert (
        page.post(
            "/needs/new/",
            "title=a%00b",
            content_type="application/x-www-form-urlencoded",
        ).status_code
        == 400
    )


HUGE = 10**30


def test_huge_numbers_in_integer_fields_and_parameters(full, admin_api, staff_api):
    ids = full.ids
    bodies = [
        (staff_api, "POST", "/api/v1/needs/", need_body(full, headcount=HUGE)),
        (staff_api, "POST", "/api/v1/needs/", need_body(full, urgency=HUGE)),
        (staff_api, "POST", "/api/v1/needs/", need_body(full, school=HUGE)),
        (staff_api, "POST", "/api/v1/needs/", need_body(full, specialty=-HUGE)),
        (
            admin_api,
            "PATCH",
            f"/api/v1/teachers/{ids['teacher_a']}/",
            {"capacity": HUGE},
        ),
        (
            admin_api,
            "PATCH",
            f"/api/v1/teachers/{ids['teacher_a']}/",
            {"skills": [{"specialty": HUGE, "level": HUGE}]},
        ),
        (
            admin_api,
            "POST",
            "/api/v1/teams/",
            {"name": "t", "county": HUGE, "members": [HUGE]},
        ),
        (admin_api, "POST", "/api/v1/matching-runs/", {"county": HUGE}),
        (
            admin_api,
            "POST",
            "/api/v1/ratings/",
            {"evaluation": HUGE, "scores": {"a": HUGE}},
        ),
        (
            admin_api,
            "POST",
            "/api/v1/activities/",
            {"assignment": ids["acc_a"], "hours": HUGE, "students_reached": HUGE},
        ),
        (
            admin_api,
            "POST",
            "/api/v1/users/",
            {"username": "u1", "role": "teacher", "teacher": HUGE},
        ),
        (
            admin_api,
            "POST",
            f"/api/v1/evaluation-cycles/{ids['cycle_draft_a']}/open/",
            {"background": HUGE},
        ),
    ]
    for client, method, path, body in bodies:
        response = post_json(client, path, body, method)
        assert response.status_code in (400, 403, 404), (
            path,
            body,
            response.status_code,
        )
    for path in (
        "/api/v1/needs/",
        "/api/v1/assignments/",
        "/api/v1/activities/",
        "/api/v1/evaluations/",
        "/api/v1/matching-runs/",
    ):
        for params in (
            {"page": HUGE},
            {"page_size": HUGE},
            {"page": -HUGE},
            {"need": HUGE},
            {"teacher": HUGE},
            {"school": HUGE},
            {"county": HUGE},
            {"cycle": HUGE},
            {"headcount": HUGE},
        ):
            response = admin_api.get(path, params)
            assert response.status_code in (200, 400, 404), (
                path,
                params,
                response.status_code,
            )
    for path in ("needs", "teachers", "assignments", "evaluation-cycles", "ratings"):
        assert admin_api.get(f"/api/v1/{path}/{HUGE}/").status_code == 404
    assert admin_api.get("/api/v1/dashboard/", {"county": HUGE}).status_code in (
        400,
        404,
    )
    page = Client()
    page.force_login(full.world.users.coord_a)
    assert page.get(f"/needs/{HUGE}/").status_code == 404
    assert page.get("/needs/", {"page": HUGE}).status_code < 500
    assert page.get("/dashboard/", {"county": HUGE}).status_code < 500


def test_deeply_nested_json_is_refused(full, admin_api, staff_api):
    deep = "[" * 10_000 + "]" * 10_000
    deep_object = '{"a":' * 10_000 + "1" + "}" * 10_000
    for client, path in (
        (staff_api, "/api/v1/needs/"),
        (admin_api, "/api/v1/teams/"),
        (admin_api, "/api/v1/ratings/"),
        (admin_api, "/api/v1/evaluation-frameworks/"),
        (admin_api, "/api/v1/auth/token/"),
    ):
        for body in (deep, deep_object, '{"title": ' + deep + "}"):
            response = post_json(client, path, body)
            assert response.status_code == 400, (path, response.status_code)


def test_unknown_orderings_and_malformed_dates(admin_api):
    for path in ("/api/v1/needs/", "/api/v1/teachers/", "/api/v1/activities/"):
        for ordering in (
            "nonsense",
            "-password",
            "school__created_by__password",
            "?",
            ",",
        ):
            response = admin_api.get(path, {"ordering": ordering})
            assert response.status_code == 200, (path, ordering)
    for params in (
        {"start_date_after": "2026-13-45"},
        {"end_date_before": "yesterday"},
        {"start_date_after": "9999999-01-01"},
    ):
        assert admin_api.get("/api/v1/needs/", params).status_code == 400
    for params in ({"date_from": "2026-02-30"}, {"date": "x"}):
        assert admin_api.get("/api/v1/activities/", params).status_code == 400
    for params in ({"from": "2026-99-01"}, {"to": "0000-00-00"}):
        assert admin_api.get("/api/v1/dashboard/", params).status_code == 400


def test_malformed_dates_in_bodies(full, staff_api):
    for start in ("2026-02-30", "31/12/2026", "", "0000-01-01", "2026-1-1T00:00"):
        response = post_json(
            staff_api, "/api/v1/needs/", need_body(full, start_date=start)
        )
        assert response.status_code == 400, (start, response.status_code)


def test_wrong_content_types(full, admin_api, staff_api):
    body = json.dumps(need_body(full))
    for content_type in (
        "text/plain",
        "application/xml",
        "image/png",
        "application/x-yaml",
    ):
        response = staff_api.generic(
            "POST", "/api/v1/needs/", body, content_type=content_type
        )
        assert response.status_code in (400, 415), (content_type, response.status_code)
    broken = staff_api.generic(
        "POST", "/api/v1/needs/", b"{not json", content_type="application/json"
    )
    assert broken.status_code == 400
    binary = staff_api.generic(
        "POST", "/api/v1/needs/", b"\xff\xfe\x00", content_type="application/json"
    )
    assert binary.status_code == 400
    multipart_garbage = staff_api.generic(
        "POST",
        "/api/v1/needs/",
        b"--x\r\ngarbage",
        content_type="multipart/form-data; boundary=x",
    )
    assert multipart_garbage.status_code == 400
    no_boundary = staff_api.generic(
        "POST", "/api/v1/needs/", b"a=b", content_type="multipart/form-data"
    )
    assert no_boundary.status_code == 400
    json_to_import = post_json(admin_api, "/api/v1/imports/teachers/", {"file": "x"})
    assert json_to_import.status_code == 415


def test_a_refused_body_is_answered_in_the_request_language_whatever_came_before(
    full, admin_api
):
    """The size check runs before the language is chosen for the request; its
    answer must not take the language a previous request left on the thread."""
    big = need_body(full, description="长" * (3 * 1024 * 1024 // 3 + 10))
    with translation.override("en"):
        chinese = post_json(admin_api, "/api/v1/needs/", big)
    assert chinese.json()["detail"] == "请求过大（最多 1.0 MB）。"
    with translation.override("zh-hans"):
        english = admin_api.generic(
            "POST",
            "/api/v1/needs/",
            json.dumps(big),
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert english.json()["detail"] == "The request is too large (at most 1.0 MB)."
