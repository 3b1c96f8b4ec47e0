"""Locust users of the soak (``make soak``; run by scripts/soak/run.py).

Every user is one of the soak's accounts, signed in once beforehand by run.py
(``SOAK_USERS``: a JSON file with each account's API token, and a session cookie
for the teachers). Three kinds of user, in fixed numbers, whose tasks add up to
the mix of the reliability review -- about 60% reads, 25% writes, 15% teacher pages:

- coordinators (20): API reads (needs, teachers, assignments: lists with filters,
  search and ordering, details; the dashboard) and reviews of submitted needs;
- school staff (15): API reads of their school's needs and assignments; post a
  need and submit it;
- teachers (15): HTML pages with their session (my assignments, activity log, the
  form, needs, profile), API reads of their work, and activity logging.

Every request is named ``<category>: <what>`` with category ``read``, ``write`` or
``page``; each sample is kept and written to ``SOAK_SAMPLES`` at the end (run.py
computes the figures from them). A 409 on a review (two coordinators reviewing
the same need at once: the state had changed) is the correct answer to a race and
counted as a conflict, not an error."""

# ruff: noqa: S311  (load-test randomness, not cryptography)
from __future__ import annotations

import datetime as dt
import json
import os
import random
from itertools import cycle
from zoneinfo import ZoneInfo

from locust import FastHttpUser, between, events, task

USERS = json.loads(open(os.environ["SOAK_USERS"], encoding="utf-8").read())  # noqa: SIM115
SAMPLES: list[tuple[str, str, float, bool]] = []
TODAY = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()  # the site's TIME_ZONE
_accounts = {kind: cycle(USERS[kind]) for kind in ("coordinator", "staff", "teacher")}


@events.request.add_listener
def _keep(request_type, name, response_time, response_length, exception, **kwargs):
    category = name.split(":", 1)[0]
    SAMPLES.append((category, name, response_time, exception is None))


@events.test_stop.add_listener
def _write(**kwargs):
    with open(os.environ["SOAK_SAMPLES"], "w", encoding="utf-8") as out:
        json.dump(SAMPLES, out)


class SoakUser(FastHttpUser):
    abstract = True
    wait_time = between(1, 3)
    kind = ""

    def on_start(self):
        self.account = next(_accounts[self.kind])
        self.auth = {"Authorization": f"Token {self.account['token']}"}
        self.ids: dict[str, list[int]] = {}

    def get_json(self, name: str, path: str):
        with self.client.get(
            path, headers=self.auth, name=name, catch_response=True
        ) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code}")
                return None
            return r.json()

    def remember(self, key: str, data) -> None:
        if data and data.get("results"):
            self.ids[key] = [row["id"] for row in data["results"]]

    def some(self, key: str) -> int | None:
        return random.choice(self.ids[key]) if self.ids.get(key) else None


class Coordinator(SoakUser):
    fixed_count = 20
    kind = "coordinator"

    @task(20)
    def needs_list(self):
        query = random.choice(
            [
                "status=open&ordering=-priority_score",
                "status=submitted",
                "ordering=-created_at",
                "search=直播",
                "status=open&kind=teaching",
            ]
        )
        self.remember(
            "need",
            self.get_json("read: needs list", f"/api/v1/needs/?page_size=20&{query}"),
        )

    @task(12)
    def need_detail(self):
        if (pk := self.some("need")) is not None:
            self.get_json("read: need detail", f"/api/v1/needs/{pk}/")

    @task(10)
    def teachers_list(self):
        query = random.choice(
            ["", "&ordering=name", "&search=压测教师1", "&active=true"]
        )
        self.remember(
            "teacher",
            self.get_json(
                "read: teachers list", f"/api/v1/teachers/?page_size=20{query}"
            ),
        )

    @task(6)
    def teacher_detail(self):
        if (pk := self.some("teacher")) is not None:
            self.get_json("read: teacher detail", f"/api/v1/teachers/{pk}/")

    @task(10)
    def assignments_list(self):
        query = random.choice(["status=proposed", "status=accepted", "ordering=-score"])
        self.remember(
            "assignment",
            self.get_json(
                "read: assignments list", f"/api/v1/assignments/?page_size=20&{query}"
            ),
        )

    @task(5)
    def assignment_detail(self):
        if (pk := self.some("assignment")) is not None:
            self.get_json("read: assignment detail", f"/api/v1/assignments/{pk}/")

    @task(8)
    def dashboard(self):
        self.get_json("read: dashboard", "/api/v1/dashboard/")

    @task(11)
    def review(self):
        data = self.get_json(
            "read: needs to review", "/api/v1/needs/?status=submitted&page_size=20"
        )
        if not data or not data["results"]:
            return
        need = random.choice(data["results"])
        decision = "approve" if random.random() < 0.8 else "return"
        body = {"decision": decision, "comment": "压测审核"}
        if decision == "approve":
            body["diagnosis"] = {
                "urgency": random.randint(1, 5),
                "students_affected": random.randint(1, 5),
                "industry_fit": random.randint(1, 5),
                "readiness": random.randint(1, 5),
            }
            body["goals"] = ["培训本地教师 4 名"]
        with self.client.post(
            f"/api/v1/needs/{need['id']}/review/",
            json=body,
            headers=self.auth,
            name="write: review need",
            catch_response=True,
        ) as r:
            if r.status_code == 409:
                r.success()  # another coordinator was first: a correct answer
                SAMPLES.append(("conflict", "conflict: review need", 0.0, True))
            elif r.status_code != 200:
                r.failure(f"{r.status_code}: {r.text[:200]}")


class SchoolStaff(SoakUser):
    fixed_count = 15
    kind = "staff"

    def on_start(self):
        super().on_start()
        data = self.get_json("read: specialties", "/api/v1/specialties/?page_size=100")
        self.specialties = [row["id"] for row in (data or {}).get("results", [])] or [1]

    @task(22)
    def needs_list(self):
        query = random.choice(
            ["", "&status=open", "&ordering=-created_at", "&status=draft"]
        )
        self.remember(
            "need",
            self.get_json("read: needs list", f"/api/v1/needs/?page_size=20{query}"),
        )

    @task(12)
    def need_detail(self):
        if (pk := self.some("need")) is not None:
            self.get_json("read: need detail", f"/api/v1/needs/{pk}/")

    @task(8)
    def assignments_list(self):
        self.get_json("read: assignments list", "/api/v1/assignments/?page_size=20")

    @task(15)
    def post_and_submit(self):
        start = TODAY + dt.timedelta(days=random.randint(7, 60))
        with self.client.post(
            "/api/v1/needs/",
            json={
                "specialty": random.choice(self.specialties),
                "kind": "teaching",
                "title": f"压测新需求 {random.randint(1, 10**6)}",
                "description": "需要一名教师讲授专业核心课程，并培训本校教师。",
                "headcount": random.randint(1, 3),
                "start_date": start.isoformat(),
                "end_date": (start + dt.timedelta(days=120)).isoformat(),
                "urgency": random.randint(1, 5),
            },
            headers=self.auth,
            name="write: post need",
            catch_response=True,
        ) as r:
            if r.status_code != 201:
                r.failure(f"{r.status_code}: {r.text[:200]}")
                return
            need_id = r.json()["id"]
        with self.client.post(
            f"/api/v1/needs/{need_id}/submit/",
            json={},
            headers=self.auth,
            name="write: submit need",
            catch_response=True,
        ) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code}: {r.text[:200]}")


class Teacher(SoakUser):
    fixed_count = 15
    kind = "teacher"

    def on_start(self):
        super().on_start()
        self.cookie = "; ".join(f"{k}={v}" for k, v in self.account["cookies"].items())
        data = self.get_json(
            "read: my assignments", "/api/v1/assignments/?status=accepted&page_size=50"
        )
        self.accepted = [
            (row["id"], row.get("need")) for row in (data or {}).get("results", [])
        ]

    def page(self, name: str, path: str):
        with self.client.get(
            path,
            headers={"Cookie": self.cookie},
            name=name,
            catch_response=True,
            allow_redirects=False,
        ) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code} {r.headers.get('Location', '')}")

    @task(12)
    def my_assignments_page(self):
        self.page("page: my assignments", "/matching/my-assignments/")

    @task(8)
    def activities_page(self):
        self.page("page: activity log", "/activities/")

    @task(5)
    def activity_form_page(self):
        self.page("page: new activity form", "/activities/new/")

    @task(6)
    def needs_page(self):
        self.page("page: needs", "/needs/")

    @task(4)
    def profile_page(self):
        self.page("page: profile", "/me/")

    @task(12)
    def reads(self):
        path = random.choice(
            [
                "/api/v1/assignments/?page_size=20",
                "/api/v1/activities/?page_size=20",
                "/api/v1/me/",
                "/api/v1/needs/?page_size=20",
            ]
        )
        self.get_json("read: teacher api", path)

    @task(7)
    def log_activity(self):
        if not self.accepted:
            return
        assignment, _need = random.choice(self.accepted)
        with self.client.post(
            "/api/v1/activities/",
            json={
                "assignment": assignment,
                "date": TODAY.isoformat(),
                "kind": random.choice(["lesson", "mentoring", "training"]),
                "hours": random.choice([1, 1.5, 2, 3]),
                "local_teachers_reached": random.randint(0, 8),
                "students_reached": random.randint(0, 60),
                "note": "压测：专业课教学与教研指导",
            },
            headers=self.auth,
            name="write: log activity",
            catch_response=True,
        ) as r:
            if r.status_code != 201:
                r.failure(f"{r.status_code}: {r.text[:200]}")
