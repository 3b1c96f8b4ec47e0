"""A REST client's first step: generate a Python SDK from ``/api/v1/schema/`` with
openapi-python-client (pinned in requirements.txt), without a single generator
warning, and drive the platform through the generated code against a live server.

The SDK is generated once per session, from the live server's schema, into a
temporary folder, and imported from there by path. The generator must not need the
network: any request it made elsewhere than this machine would go to a proxy that
does not exist."""

import datetime as dt
import importlib
import os
import pkgutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from ..conftest import PASSWORD

PACKAGE = "assist_platform_sdk"
GENERATOR = Path(sys.executable).with_name("openapi-python-client")
DONE = {"succeeded", "failed", "skipped"}

# The live server needs a real transactional database. No serialized rollback: the
# transactional tests before these (matching's) flush the tables, after which Django
# cannot load its snapshot again (content types are back under other ids). So the
# journey makes all it needs itself, whether the migrations' data is there or not.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="session")
def generation(live_server, tmp_path_factory):
    """Runs the generator as the README says, on the live server's schema."""
    folder = tmp_path_factory.mktemp("sdk")
    dead_proxy = "http://127.0.0.1:9"  # discard port: nothing listens
    env = {
        **os.environ,
        # ruff (a dependency of the generator) formats the generated code.
        "PATH": f"{GENERATOR.parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "HTTP_PROXY": dead_proxy,
        "HTTPS_PROXY": dead_proxy,
        "ALL_PROXY": dead_proxy,
        "NO_PROXY": "127.0.0.1,localhost",
    }
    # The server's first schema takes a second to build, several on a busy machine
    # (make test runs other tests beside this one), and the generator gives up on
    # the URL after 5 s (its http_timeout): the schema is asked for once first.
    warm = httpx.get(
        f"{live_server.url}/api/v1/schema/?format=json", timeout=120, trust_env=False
    )
    assert warm.status_code == 200, warm.status_code
    result = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--url",
            f"{live_server.url}/api/v1/schema/?format=json",
            "--meta",
            "none",
            "--output-path",
            str(folder / PACKAGE),
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=folder,
        timeout=600,
        check=False,
    )
    return folder, result


@pytest.fixture(scope="session")
def sdk(generation):
    folder, result = generation
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(folder))
    try:
        importlib.invalidate_caches()
        package = importlib.import_module(PACKAGE)
        yield package
    finally:
        sys.path.remove(str(folder))


def test_the_generator_reports_no_warning(generation):
    folder, result = generation
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    for sign in ("Warning", "WARNING", "Unable", "Skipping", "not in PATH"):
        assert sign not in output, output
    models = {p.stem for p in (folder / PACKAGE / "models").glob("*.py")}
    assert {"dashboard", "dashboard_county", "county", "need_status_enum"} <= models
    # Every generated name is plain ASCII: none made from a translated label.
    for path in (folder / PACKAGE).rglob("*.py"):
        assert path.name.isascii(), path


def test_every_module_of_the_generated_sdk_imports(sdk):
    """Catches generated code that is broken as such (a missing import, a name
    made from a label that is not an identifier)."""
    broken = []
    for module in pkgutil.walk_packages(sdk.__path__, f"{PACKAGE}."):
        try:
            importlib.import_module(module.name)
        except Exception as error:
            broken.append(f"{module.name}: {error!r}")
    assert broken == []


def _client(sdk, live_server, username):
    from assist_platform_sdk.api.auth import auth_token_create
    from assist_platform_sdk.models import AuthTokenRequest

    anonymous = sdk.Client(base_url=live_server.url, raise_on_unexpected_status=True)
    token = auth_token_create.sync(
        client=anonymous,
        body=AuthTokenRequest(username=username, password=PASSWORD),
    )
    assert isinstance(token, sdk.models.TokenResponse), token
    return sdk.AuthenticatedClient(
        base_url=live_server.url,
        token=token.token,
        prefix="Token",
        raise_on_unexpected_status=True,
    )


@pytest.fixture
def live_settings(settings):
    settings.LOGIN_THROTTLE_PER_ADDRESS = 10_000  # every sign-in is from 127.0.0.1
    return settings


def test_a_season_runs_through_the_generated_sdk(
    sdk, live_server, live_settings, world
):
    from assist_platform_sdk.api.assignments import (
        assignments_accept_create,
        assignments_list,
    )
    from assist_platform_sdk.api.counties import counties_create
    from assist_platform_sdk.api.dashboard import dashboard_retrieve
    from assist_platform_sdk.api.evaluation_cycles import (
        evaluation_cycles_close_create,
        evaluation_cycles_create,
        evaluation_cycles_open_create,
        evaluation_cycles_results_list,
    )
    from assist_platform_sdk.api.evaluation_frameworks import (
        evaluation_frameworks_create,
    )
    from assist_platform_sdk.api.matching_runs import (
        matching_runs_create,
        matching_runs_retrieve,
    )
    from assist_platform_sdk.api.me import me_retrieve
    from assist_platform_sdk.api.needs import (
        needs_create,
        needs_review_create,
        needs_submit_create,
    )
    from assist_platform_sdk.api.schools import schools_create
    from assist_platform_sdk.api.teachers import teachers_export_retrieve
    from assist_platform_sdk.models import (
        AssignmentStatusEnum,
        CountyRequest,
        CycleRunRequest,
        DecisionEnum,
        DiagnosisInputRequest,
        EvaluationCycleRequest,
        FrameworkWriteRequest,
        FrameworkWriteRequestRaterWeights,
        IndicatorInputRequest,
        IndicatorKindEnum,
        MatchingRunStartRequest,
        MetricEnum,
        NeedKindEnum,
        NeedRequest,
        NeedReviewRequest,
        NeedStatusEnum,
        RoleEnum,
        RunStatusEnum,
        SchoolKindEnum,
        SchoolRequest,
        SubjectTypeEnum,
    )

    admin = _client(sdk, live_server, "admin")
    staff = _client(sdk, live_server, "staff_a")
    coordinator = _client(sdk, live_server, "coord_a")

    me = me_retrieve.sync(client=staff)
    assert (me.username, me.role, me.school) == (
        "staff_a",
        RoleEnum.SCHOOL_STAFF,
        world.school_a.pk,
    )

    county = counties_create.sync(
        client=admin,
        body=CountyRequest(name="平利县", province="陕西省", code="610926"),
    )
    school = schools_create.sync(
        client=admin,
        body=SchoolRequest(
            name="平利县职业教育中心", county=county.id, kind=SchoolKindEnum.ASSISTED
        ),
    )
    assert (school.county, school.kind) == (county.id, SchoolKindEnum.ASSISTED)

    start = dt.date.today() + dt.timedelta(days=30)
    need = needs_create.sync(
        client=staff,
        body=NeedRequest(
            specialty=world.ecommerce.pk,
            kind=NeedKindEnum.TEACHING,
            title="直播电商实训课",
            description="为电子商务专业二年级开设直播电商实训课。",
            headcount=1,
            start_date=start,
            end_date=start + dt.timedelta(days=90),
            urgency=4,
        ),
    )
    assert (need.school, need.status) == (world.school_a.pk, NeedStatusEnum.DRAFT)
    submitted = needs_submit_create.sync(need.id, client=staff)
    assert submitted.status == NeedStatusEnum.SUBMITTED

    reviewed = needs_review_create.sync(
        need.id,
        client=coordinator,
        body=NeedReviewRequest(
            decision=DecisionEnum.APPROVE,
            diagnosis=DiagnosisInputRequest(
                urgency=4, students_affected=4, industry_fit=5, readiness=3
            ),
            goals=["培训 4 名本地教师开展直播电商教学"],
        ),
    )
    assert reviewed.status == NeedStatusEnum.OPEN
    assert reviewed.priority_score is not None

    started = matching_runs_create.sync_detailed(
        client=coordinator, body=MatchingRunStartRequest(county=world.county_a.pk)
    )
    assert started.status_code == 202
    run = started.parsed
    for _ in range(100):  # bounded: tasks run eagerly, so this ends at once
        run = matching_runs_retrieve.sync(run.id, client=coordinator)
        if run.status in DONE:
            break
        time.sleep(0.2)
    assert run.status == RunStatusEnum.SUCCEEDED, run.error
    assert run.stats.proposed >= 1

    proposals = assignments_list.sync(
        client=coordinator, need=need.id, status=AssignmentStatusEnum.PROPOSED
    )
    assert [a.teacher for a in proposals.results] == [world.teacher_a.pk]
    accepted = assignments_accept_create.sync(
        proposals.results[0].id, client=coordinator
    )
    assert accepted.status == AssignmentStatusEnum.ACCEPTED

    dashboard = dashboard_retrieve.sync(client=coordinator, county=world.county_a.pk)
    assert dashboard.county.id == world.county_a.pk
    assert dashboard.needs_by_status.matched == 1
    assert dashboard.schools_served == 1
    assert dashboard.headcount_filled == 1

    workbook = teachers_export_retrieve.sync(client=coordinator)  # bytes, not JSON
    assert workbook.payload.read().startswith(b"PK")  # an .xlsx is a zip

    framework = evaluation_frameworks_create.sync(
        client=admin,
        body=FrameworkWriteRequest(
            name="课时考核",
            subject_type=SubjectTypeEnum.TEACHER,
            indicators=[
                IndicatorInputRequest(
                    code="H",
                    name="课时",
                    weight="100",
                    kind=IndicatorKindEnum.OBJECTIVE,
                    metric=MetricEnum.HOURS_TAUGHT,
                    target=40,
                )
            ],
            rater_weights=FrameworkWriteRequestRaterWeights.from_dict(
                {"coordinator": "100"}
            ),
        ),
    )
    cycle = evaluation_cycles_create.sync(
        client=coordinator,
        body=EvaluationCycleRequest(
            name="2027 年度考核",
            county=world.county_a.pk,
            start_date=start,
            end_date=start + dt.timedelta(days=90),
            framework=framework.id,
        ),
    )
    opened = evaluation_cycles_open_create.sync(
        cycle.id, client=coordinator, body=CycleRunRequest()
    )
    assert opened.stats.teachers == 1
    # Nobody has rated yet: closing below the minimum completion takes `force` and
    # a reason (DESIGN section 6), and the results are provisional.
    close_request = getattr(sdk.models, "CycleCloseRequest", CycleRunRequest)
    closed = evaluation_cycles_close_create.sync(
        cycle.id,
        client=coordinator,
        body=close_request.from_dict({"force": True, "reason": "SDK 测试：尚无评分"}),
    )
    assert closed.cycle.status.value == "closed"
    results = evaluation_cycles_results_list.sync(
        cycle.id, client=coordinator, subject_type=SubjectTypeEnum.TEACHER
    )
    assert [(r.subject_id, r.name) for r in results.results] == [
        (world.teacher_a.pk, "张老师")
    ]
