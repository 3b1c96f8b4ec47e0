"""Every main page of every role satisfies the Content-Security-Policy, in real
Chromium: no ``securitypolicyviolation`` event, no console error (Chromium reports
each refused inline script, style or handler there), no failed request.

The policy (assist_platform/security.py) allows scripts, styles, fonts and images
from the site only, with no inline ``<script>``, ``style="..."`` or ``on*=``."""

import datetime as dt

import pytest

from accounts.models import Notification
from matching.models import MatchingRun, RunStatus

from ..security.conftest import full, no_sign_in_throttle  # noqa: F401 - fixtures
from .conftest import assert_no_problems

pytestmark = pytest.mark.browser

# Recorded in every page before its own scripts run.
LISTEN = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline')
    + ' at ' + (e.sourceFile || document.location.pathname) + ':' + e.lineNumber
    + ' ' + (e.sample || ''));
});
"""


def pages_of(full):  # noqa: F811 - the fixture's value
    ids = full.ids
    return {
        "coord_a": [
            "/dashboard/",
            "/needs/",
            f"/needs/{ids['open_a']}/",
            "/needs/review/",
            f"/needs/{ids['submitted_a']}/review/",
            "/teams/teachers/",
            "/teams/teachers/new/",
            f"/teams/teachers/{ids['teacher_a']}/",
            "/teams/",
            "/teams/new/",
            f"/teams/{ids['team_a']}/",
            "/teams/free/",
            "/teams/import/",
            "/matching/runs/",
            f"/matching/runs/{ids['run_a']}/",
            f"/matching/runs/{ids['running']}/",
            "/matching/proposals/",
            "/matching/proposals/?status=accepted",
            "/activities/",
            "/activities/?disputed=1",
            "/evaluations/cycles/",
            f"/evaluations/cycles/{ids['cycle_open_a']}/",
            f"/evaluations/cycles/{ids['cycle_closed_a']}/results/",
            "/evaluations/tasks/",
            "/evaluations/frameworks/",
            f"/evaluations/frameworks/{ids['default_framework']}/",
            "/inbox/",
            "/me/",
        ],
        "staff_a": [
            "/needs/",
            "/needs/new/",
            f"/needs/{ids['draft_a']}/",
            f"/needs/{ids['draft_a']}/edit/",
            f"/needs/{ids['matched_a']}/",
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
        "admin": ["/dashboard/", "/needs/", "/matching/runs/", "/me/"],
    }


def visit(page, path, problems):
    page.goto(path)
    page.wait_for_load_state("networkidle")
    violations = page.evaluate("window.__csp")
    for violation in violations:
        problems.append(f"{path}: CSP {violation}")
    for problem in page.problems:
        problems.append(f"{path}: {problem}")
    page.problems.clear()


def test_every_main_page_of_every_role_satisfies_the_csp(
    page,
    full,  # noqa: F811
    sign_in,
    sign_out,
):
    page.context.add_init_script(LISTEN)
    running = MatchingRun.objects.create(
        county=full.world.county_a,
        status=RunStatus.RUNNING,
        progress=40,
        started_by=full.world.users.coord_a,
        started_at=full.objs["run_a"].created_at - dt.timedelta(minutes=1),
    )
    full.ids["running"] = running.pk
    for user in vars(full.world.users).values():
        Notification.objects.create(user=user, title="新的匹配建议", body="请查看")

    problems = []
    visit(page, "/accounts/login/", problems)
    for persona, paths in pages_of(full).items():
        sign_in(page, getattr(full.world.users, persona))
        for path in paths:
            visit(page, path, problems)
        # the run page polls its progress with htmx: let it swap once
        if persona == "coord_a":
            page.goto(f"/matching/runs/{running.pk}/")
            page.wait_for_timeout(2500)
            visit(page, f"/matching/runs/{running.pk}/", problems)
        sign_out(page)
    assert not problems, "\n".join(problems)
    assert_no_problems(page)


def test_an_inline_script_would_be_reported(page, full, sign_in):  # noqa: F811
    """The listener works: a page that breaks the policy is caught."""
    page.context.add_init_script(LISTEN)
    sign_in(page, full.world.users.coord_a)
    page.evaluate(
        "() => { const s = document.createElement('div');"
        " s.innerHTML = '<img src=x onerror=\"window.__ran=1\">';"
        " document.body.appendChild(s); }"
    )
    page.wait_for_timeout(300)
    assert page.evaluate("window.__csp.length") >= 1
    assert page.evaluate("window.__ran") is None
