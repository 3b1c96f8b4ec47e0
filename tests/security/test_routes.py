"""The route inventory: every URL the project serves is classified here, in ONE
table, as public or signed-in; a route that is not in the table fails the suite.

For every signed-in route an anonymous request is refused: a page redirects to the
sign-in page (the admin's to its own), the API answers 401. Path parameters are
filled with real objects of the ``full`` world. Public routes answer an anonymous
request without asking to sign in. (Static files are served by WhiteNoise, ahead of
the URL resolver, and are public; they are not routes.)"""

import re

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve

PUBLIC = "public"
SIGNED_IN = "signed in"

# route -> (access, how an anonymous request is made and answered, for public
# routes; or the ``full`` object that fills ``pk``, for signed-in ones). A route
# is its URL name with the namespace ("needs:detail"); the admin's model pages
# are one entry, "admin:*" (every one of them is wrapped by AdminSite.admin_view).
ROUTES = {
    # public
    "health": (PUBLIC, ("GET", 200)),
    "login": (PUBLIC, ("GET", 200)),
    "logout": (PUBLIC, ("POST", 302)),
    "set_language": (PUBLIC, ("POST", 302)),
    "api-schema": (PUBLIC, ("GET", 200)),
    "api-docs": (PUBLIC, ("GET", 200)),
    "api-token": (PUBLIC, ("POST", 400)),
    # the admin signs in on the site's (throttled) sign-in page
    "password_reset": (PUBLIC, ("GET", 200)),
    "password_reset_done": (PUBLIC, ("GET", 200)),
    "password_reset_complete": (PUBLIC, ("GET", 200)),
    # a link that is not valid: the page says so (200) and offers a new one
    "password_reset_confirm": (PUBLIC, ("GET", 200)),
    # a one-time link of a new account that is not valid: the page says so (200)
    "invitation_accept": (PUBLIC, ("GET", 200)),
    "admin:login": (PUBLIC, ("GET", 302)),
    "admin:logout": (PUBLIC, ("POST", 302)),
    # pages
    "home": (SIGNED_IN, None),
    "profile": (SIGNED_IN, None),
    "password_change": (SIGNED_IN, None),
    "people": (SIGNED_IN, None),
    "person_create": (SIGNED_IN, None),
    "person_resend": (SIGNED_IN, "user_staff_a"),
    "person_temporary_password": (SIGNED_IN, "user_staff_a"),
    "dashboard": (SIGNED_IN, None),
    "monthly_report": (SIGNED_IN, None),
    "needs:list": (SIGNED_IN, None),
    "needs:create": (SIGNED_IN, None),
    "needs:export": (SIGNED_IN, None),
    "needs:review_queue": (SIGNED_IN, None),
    "needs:specialty_options": (SIGNED_IN, None),
    "needs:detail": (SIGNED_IN, "open_a"),
    "needs:edit": (SIGNED_IN, "draft_a"),
    "needs:submit": (SIGNED_IN, "draft_a"),
    "needs:delete": (SIGNED_IN, "draft_a"),
    "needs:cancel": (SIGNED_IN, "open_a"),
    "needs:confirm": (SIGNED_IN, "matched_a"),
    "needs:reopen": (SIGNED_IN, "matched_a"),
    "needs:review": (SIGNED_IN, "submitted_a"),
    "needs:comment": (SIGNED_IN, "matched_a"),
    "needs:goal_mark": (SIGNED_IN, "matched_a"),
    "needs:goal_confirm": (SIGNED_IN, "matched_a"),
    "needs:goals_to_confirm": (SIGNED_IN, None),
    "teams:teacher_list": (SIGNED_IN, None),
    "teams:teacher_create": (SIGNED_IN, None),
    "teams:teacher_export": (SIGNED_IN, None),
    "teams:teacher_edit": (SIGNED_IN, "teacher_a"),
    "teams:teacher_deactivate": (SIGNED_IN, "teacher_a"),
    "teams:teacher_activate": (SIGNED_IN, "teacher_a"),
    "teams:team_list": (SIGNED_IN, None),
    "teams:team_create": (SIGNED_IN, None),
    "teams:team_export": (SIGNED_IN, None),
    "teams:team_edit": (SIGNED_IN, "team_a"),
    "planning:proposal_list": (SIGNED_IN, None),
    "planning:proposal_detail": (SIGNED_IN, "proposal_a"),
    "planning:proposal_swap": (SIGNED_IN, "proposal_a"),
    "planning:proposal_leader": (SIGNED_IN, "proposal_a"),
    "planning:proposal_confirm": (SIGNED_IN, "proposal_a"),
    "planning:proposal_again": (SIGNED_IN, "proposal_a"),
    "teams:who_is_free": (SIGNED_IN, None),
    "teams:import": (SIGNED_IN, None),
    "teams:import_template": (SIGNED_IN, None),
    "activities:list": (SIGNED_IN, None),
    "activities:new": (SIGNED_IN, None),
    "activities:export": (SIGNED_IN, None),
    "activities:dispute": (SIGNED_IN, "act_a"),
    "activities:dismiss-dispute": (SIGNED_IN, "disputed_a"),
    "matching-runs": (SIGNED_IN, None),
    "matching-run-start": (SIGNED_IN, None),
    "matching-run": (SIGNED_IN, "run_a"),
    "planning:recruitment_plan": (SIGNED_IN, None),
    "planning:scenario_list": (SIGNED_IN, None),
    "planning:scenario_new": (SIGNED_IN, None),
    "planning:scenario_detail": (SIGNED_IN, "scenario_a"),
    "matching-run-progress": (SIGNED_IN, "run_a"),
    "matching-proposals": (SIGNED_IN, None),
    "matching-accept-selected": (SIGNED_IN, None),
    "assignment-accept": (SIGNED_IN, "prop_a"),
    "assignment-decline": (SIGNED_IN, "prop_a"),
    "assignment-complete": (SIGNED_IN, "acc_a"),
    "assignment-cancel": (SIGNED_IN, "acc_a"),
    "assignment-clear-decline": (SIGNED_IN, "prop_a"),
    "matching-proposals-export": (SIGNED_IN, None),
    "my-assignments": (SIGNED_IN, None),
    "inbox": (SIGNED_IN, None),
    "inbox-read": (SIGNED_IN, "notification"),
    "inbox-read-all": (SIGNED_IN, None),
    "evaluations:cycles": (SIGNED_IN, None),
    "evaluations:cycle": (SIGNED_IN, "cycle_open_a"),
    "evaluations:cycle-open": (SIGNED_IN, "cycle_draft_a"),
    "evaluations:cycle-close": (SIGNED_IN, "cycle_open_a"),
    "evaluations:results": (SIGNED_IN, "cycle_closed_a"),
    "evaluations:results-export": (SIGNED_IN, "cycle_closed_a"),
    "evaluations:appeal-new": (SIGNED_IN, "eval_closed_teacher_a"),
    "evaluations:appeal-answer": (SIGNED_IN, "appeal_a"),
    "evaluations:honour-roll": (SIGNED_IN, None),
    "evaluations:tasks": (SIGNED_IN, None),
    "evaluations:rate": (SIGNED_IN, "rating_staff_a"),
    "evaluations:certificate": (SIGNED_IN, "eval_teacher_a"),
    "evaluations:frameworks": (SIGNED_IN, None),
    "evaluations:framework": (SIGNED_IN, "framework"),
    # the REST API
    "api-root": (SIGNED_IN, None),
    "api-me": (SIGNED_IN, None),
    "api-token-revoke": (SIGNED_IN, None),
    "api-me-password": (SIGNED_IN, None),
    "person-list": (SIGNED_IN, None),
    "person-detail": (SIGNED_IN, "user_staff_a"),
    "person-resend-invitation": (SIGNED_IN, "user_staff_a"),
    "person-temporary-password": (SIGNED_IN, "user_staff_a"),
    "api-dashboard": (SIGNED_IN, None),
    "api-monthly-report": (SIGNED_IN, None),
    "import": (SIGNED_IN, None),
    "import-template": (SIGNED_IN, None),
    "user-list": (SIGNED_IN, None),
    "user-detail": (SIGNED_IN, "user_staff_a"),
    "county-list": (SIGNED_IN, None),
    "county-detail": (SIGNED_IN, "county_a"),
    "school-list": (SIGNED_IN, None),
    "school-detail": (SIGNED_IN, "school_a"),
    "specialty-family-list": (SIGNED_IN, None),
    "specialty-family-detail": (SIGNED_IN, "family"),
    "specialty-list": (SIGNED_IN, None),
    "specialty-detail": (SIGNED_IN, "ecommerce"),
    "need-list": (SIGNED_IN, None),
    "need-export": (SIGNED_IN, None),
    "need-detail": (SIGNED_IN, "open_a"),
    "need-submit": (SIGNED_IN, "draft_a"),
    "need-review": (SIGNED_IN, "submitted_a"),
    "need-cancel": (SIGNED_IN, "open_a"),
    "need-confirm": (SIGNED_IN, "matched_a"),
    "need-reopen": (SIGNED_IN, "matched_a"),
    "need-comments": (SIGNED_IN, "matched_a"),
    "comment-attachment": (SIGNED_IN, "photo_a"),
    "need-mark-goal": (SIGNED_IN, "matched_a"),
    "need-confirm-goal": (SIGNED_IN, "matched_a"),
    # anonymous requests are refused before the file is looked up
    "goal-mark-attachment": (SIGNED_IN, "matched_a"),
    "teacher-list": (SIGNED_IN, None),
    "teacher-export": (SIGNED_IN, None),
    "teacher-detail": (SIGNED_IN, "teacher_a"),
    "team-list": (SIGNED_IN, None),
    "team-export": (SIGNED_IN, None),
    "team-detail": (SIGNED_IN, "team_a"),
    "matching-run-list": (SIGNED_IN, None),
    "matching-run-detail": (SIGNED_IN, "run_a"),
    "scenario-list": (SIGNED_IN, None),
    "scenario-detail": (SIGNED_IN, "scenario_a"),
    "recruitment-plan-api": (SIGNED_IN, None),
    "assignment-list": (SIGNED_IN, None),
    "assignment-export-xlsx": (SIGNED_IN, None),
    "assignment-detail": (SIGNED_IN, "prop_a"),
    # assignment-accept, -decline, -complete, -cancel: named like the pages' (above)
    "team-proposal-list": (SIGNED_IN, None),
    "team-proposal-detail": (SIGNED_IN, "proposal_a"),
    "team-proposal-swap": (SIGNED_IN, "proposal_a"),
    "team-proposal-leader": (SIGNED_IN, "proposal_a"),
    "team-proposal-confirm": (SIGNED_IN, "proposal_a"),
    "activity-list": (SIGNED_IN, None),
    "activity-detail": (SIGNED_IN, "act_a"),
    "activity-dispute": (SIGNED_IN, "act_a"),
    "activity-reach": (SIGNED_IN, None),
    "activity-attachment": (SIGNED_IN, "act_photo_a"),
    "activity-dismiss-dispute": (SIGNED_IN, "disputed_a"),
    "framework-list": (SIGNED_IN, None),
    "framework-detail": (SIGNED_IN, "framework"),
    "evaluationcycle-list": (SIGNED_IN, None),
    "evaluationcycle-detail": (SIGNED_IN, "cycle_open_a"),
    "evaluationcycle-open": (SIGNED_IN, "cycle_draft_a"),
    "evaluationcycle-close": (SIGNED_IN, "cycle_open_a"),
    "evaluationcycle-results": (SIGNED_IN, "cycle_closed_a"),
    "evaluationcycle-results-export": (SIGNED_IN, "cycle_closed_a"),
    "appeal-list": (SIGNED_IN, None),
    "appeal-detail": (SIGNED_IN, "appeal_a"),
    "appeal-answer": (SIGNED_IN, "appeal_a"),
    "evaluation-list": (SIGNED_IN, None),
    "evaluation-detail": (SIGNED_IN, "eval_teacher_a"),
    "evaluation-certificate": (SIGNED_IN, "eval_teacher_a"),
    "rating-list": (SIGNED_IN, None),
    "rating-detail": (SIGNED_IN, "rating_staff_a"),
    # the Django admin (staff only), including its catch-all
    "admin:*": (SIGNED_IN, None),
}

# Page routes and the API share a few names (assignment-accept...): the table
# entry covers both, each checked as what it is (page or API).


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else None
            yield prefix + str(entry.pattern), name, entry


def all_routes():
    """(pattern text, qualified name or None, URLPattern) of every route."""
    return list(_walk(get_resolver().url_patterns))


def entry_for(pattern_text, name):
    if name in ROUTES:
        return ROUTES[name]
    if pattern_text.startswith("admin/") and "admin:*" in ROUTES:
        return ROUTES["admin:*"]
    return None


def test_every_route_is_classified():
    missing = sorted(
        f"{name or '(unnamed)'}  {text}"
        for text, name, _ in all_routes()
        if entry_for(text, name) is None
    )
    assert not missing, (
        "Routes missing from ROUTES in tests/security/test_routes.py; classify each "
        "as PUBLIC or SIGNED_IN (and name the object that fills its path):\n  "
        + "\n  ".join(missing)
    )


def test_the_table_names_no_route_that_is_gone():
    names = {name for _, name, _ in all_routes()}
    assert not sorted(set(ROUTES) - names - {"admin:*"})


def _admin_kwargs(name, groups, full):
    kwargs = {}
    for group in groups:
        if group == "object_id":
            match = re.match(r"admin:(\w+?)_(\w+)_\w+$", name or "")
            model = None
            if match:
                try:
                    model = apps.get_model(match.group(1), match.group(2))
                except LookupError:
                    model = None
            first = model._default_manager.order_by("pk").first() if model else None
            kwargs[group] = str(first.pk if first else 1)
        elif group == "content_type_id":
            kwargs[group] = ContentType.objects.get_for_model(
                type(full.objs["open_a"])
            ).pk
        elif group == "app_label":
            kwargs[group] = "needs"
        elif group == "url":
            kwargs[group] = "no-such-page/"
        else:
            kwargs[group] = "1"
    return kwargs


def _build(text, kwargs):
    """The path of a route's pattern text with its parameters filled in (built from
    the pattern, not reversed by name: a page and an API route share some names)."""
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(kwargs[m.group(1)]), text)
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m.group(1)]), path)
    path = re.sub(r"\((?!\?)[^)]*\)", "1", path)  # positional groups
    path = path.replace("^", "").replace("$", "").replace("\\.", ".")
    return "/" + path.replace("/?", "/")


def url_of(text, name, pattern, full):
    """A real URL for the route, its parameters filled from ``full``."""
    groups = list(pattern.pattern.regex.groupindex)
    if text.startswith("admin/"):
        kwargs = _admin_kwargs(name, groups, full)
    else:
        _access, key = ROUTES[name]
        kwargs = {}
        for group in groups:
            if group == "pk":
                kwargs["pk"] = full.ids[key]
            elif group == "kind":
                kwargs["kind"] = "teachers"
            elif group == "goal_id":
                kwargs["goal_id"] = 1
            elif group in ("uidb64", "token"):
                kwargs[group] = "MQ" if group == "uidb64" else "not-a-token"
            elif group == "format":
                kwargs["format"] = ".json" if "drf_format_suffix" in text else "json"
            else:  # a new kind of parameter
                pytest.fail(f"{name}: fill the path parameter {group!r} in url_of()")
    url = _build(text, kwargs)
    assert resolve(url).func is pattern.callback, (name, text, url)
    return url


@pytest.fixture
def notification(full):
    from accounts.models import Notification

    note = Notification.objects.create(
        user=full.world.users.staff_a, title="通知", body="内容"
    )
    full.objs["notification"] = note
    full.ids["notification"] = note.pk
    return note


def test_signed_in_routes_refuse_anonymous_requests(full, notification):
    client = Client()
    problems = []
    checked = 0
    for text, name, pattern in all_routes():
        access, _ = entry_for(text, name)
        if access != SIGNED_IN:
            continue
        url = url_of(text, name, pattern, full)
        login = "/admin/login/" if text.startswith("admin/") else "/accounts/login/"
        answers = {}
        for method in ("GET", "POST"):
            response = client.generic(method, url)
            answers[method] = response.status_code
            if url.startswith("/api/"):
                if response.status_code != 401:
                    problems.append(f"{method} {url}: {response.status_code}, not 401")
            elif response.status_code == 302:
                if not response["Location"].startswith(login):
                    problems.append(
                        f"{method} {url}: redirects to {response['Location']}"
                    )
            elif response.status_code != 405:
                problems.append(f"{method} {url}: {response.status_code}")
        if not url.startswith("/api/") and 302 not in answers.values():
            problems.append(f"{url}: never redirects to sign in ({answers})")
        checked += 1
    assert checked > 250
    assert not problems, "\n".join(problems)


def test_public_routes_answer_anonymous_requests(full):
    client = Client()
    for text, name, pattern in all_routes():
        access, how = entry_for(text, name)
        if access != PUBLIC:
            continue
        method, expected = how
        url = url_of(text, name, pattern, full)
        response = client.generic(method, url)
        assert response.status_code == expected, (url, response.status_code)
        if response.status_code == 302 and name not in {
            "logout",
            "admin:logout",
            "admin:login",
        }:
            assert "/login/" not in response["Location"], url
