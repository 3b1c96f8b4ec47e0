"""``manage.py load_demo``: the demo world of the 2026-2027 school year.

Liyang (溧阳市, Jiangsu) sends teams of vocational teachers to Baihe County (白河县,
Ankang, Shaanxi) and two neighbouring counties. The world holds the counties, the
assisted and supporting schools, 26 dispatched teachers with skills, windows and
capacities, three teams, 43 needs in every state with their history (transitions,
diagnoses, plan goals), the assignments of the matched and fulfilled needs with
logged activities, and an account for every role.

Idempotent: every object is found by its natural key first. Reference data (counties,
schools, teachers, teams, accounts) is brought back to the demo values when it has
drifted; a need that already exists is left exactly as it is, with its history,
assignments and activities, so running the command twice changes nothing.

The data lives in ``demo/data/*.toml``; the world is built by ``demo.world``: its
reference data found by natural key, its needs, assignments and activities written
with their past (``demo.world.past``), keeping the invariants the services keep:
``filled`` equals the accepted (or completed) assignments, no teacher has more live
assignments than their capacity, one live assignment per need and teacher, and
every need's transitions chain from ``""`` to its current status."""

from __future__ import annotations

import datetime as dt
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from demo import evaluations as evaluation_demo
from demo.needs import seed_demo_thread
from demo.world import (
    Builder,
    activities_with_past,
    assignment_status_for,
    assignment_with_past,
    aware,
    need_dates,
    need_with_past,
)
from matching.models import AssignmentStatus
from needs.models import Need, NeedStatus, Specialty
from places.models import County, School, SchoolKind
from planning.models import TeamProposal
from planning.proposals import team_proposal_create
from teams.models import Teacher, Team

DEMO_PASSWORD = "Demo@2026"  # noqa: S105 - printed for everyone: demo accounts only
DATA = Path(__file__).resolve().parents[2] / "data"

S = NeedStatus


def read(name: str) -> dict[str, Any]:
    """``demo/data/<name>.toml``."""
    with (DATA / f"{name}.toml").open("rb") as file:
        return tomllib.load(file)


ROLE_NAMES = {
    Role.ADMIN: "平台管理员",
    Role.COORDINATOR: "县级协调员",
    Role.SCHOOL_STAFF: "受援学校联络员",
    Role.TEACHER: "帮扶教师",
}


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 0)


@dataclass
class Login:
    username: str
    role: str
    name: str
    scope: str


@dataclass
class World:
    """The demo's objects by their key in the data files, and the logins to print."""

    build: Builder
    counties: dict[str, County] = field(default_factory=dict)
    schools: dict[str, School] = field(default_factory=dict)
    school_county: dict[str, str] = field(default_factory=dict)  # school -> county
    teachers: dict[str, Teacher] = field(default_factory=dict)  # by name
    staff: dict[str, User] = field(default_factory=dict)  # school key -> user
    coordinators: dict[str, User] = field(default_factory=dict)  # county key -> user
    logins: list[Login] = field(default_factory=list)


class Command(BaseCommand):
    help = (
        "Load the demo world (Liyang teachers, Baihe and neighbouring counties, a "
        "school year of needs) and print every demo login. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="Set the demo password again on demo accounts that already exist.",
        )

    def handle(self, *args, **options):
        self.reset_passwords = options["reset_passwords"]
        world = World(
            Builder(password=DEMO_PASSWORD, reset_passwords=self.reset_passwords)
        )
        places, supply, needs = read("places"), read("teachers"), read("needs")
        periods = {
            name: (start, end) for name, (start, end) in supply["periods"].items()
        }
        with transaction.atomic():
            self.places(world, places)
            self.accounts(world, places)
            self.supply(world, supply, periods)
            self.needs(world, needs)
            seed_demo_thread()
            self.team_proposal(world, supply["team_proposal"], periods)
        for cycle, what in evaluation_demo.load().items():
            self.stdout.write(f"考核周期 {cycle}：{what}")
        self.report(world)

    # --- reference data ----------------------------------------------------------
    def places(self, world: World, data: dict[str, Any]) -> None:
        for county in data["county"]:
            world.counties[county["key"]] = world.build.county(
                code=county["code"], name=county["name"], province=county["province"]
            )
        for a, b in data["neighbours"]:
            world.counties[a].neighbours.add(world.counties[b])
        for school in data["school"]:
            world.schools[school["key"]] = world.build.school(
                county=world.counties[school["county"]],
                name=school["name"],
                kind=school["kind"],
            )
            world.school_county[school["key"]] = school["county"]

    def accounts(self, world: World, data: dict[str, Any]) -> None:
        world.build.person(
            "admin",
            role=Role.ADMIN,
            name="平台管理员",
            is_staff=True,
            is_superuser=True,
        )
        world.logins.append(
            Login("admin", ROLE_NAMES[Role.ADMIN], "平台管理员", "全部")
        )
        for each in data["coordinator"]:
            counties = [world.counties[k] for k in each["counties"]]
            user = world.build.person(
                each["username"],
                role=Role.COORDINATOR,
                name=each["name"],
                counties=counties,
            )
            if len(counties) == 1:
                world.coordinators.setdefault(each["counties"][0], user)
            world.logins.append(
                Login(
                    each["username"],
                    ROLE_NAMES[Role.COORDINATOR],
                    each["name"],
                    "、".join(c.name for c in counties),
                )
            )
        for school in data["school"]:
            if school["kind"] != SchoolKind.ASSISTED:
                continue
            username, name = school["staff_username"], school["staff_name"]
            world.staff[school["key"]] = world.build.person(
                username,
                role=Role.SCHOOL_STAFF,
                name=name,
                school=world.schools[school["key"]],
            )
            world.logins.append(
                Login(username, ROLE_NAMES[Role.SCHOOL_STAFF], name, school["name"])
            )

    # --- teachers and teams ------------------------------------------------------
    def supply(
        self,
        world: World,
        data: dict[str, Any],
        periods: dict[str, tuple[dt.date, dt.date]],
    ) -> None:
        specialties = {s.name: s for s in Specialty.objects.current()}
        can_lead = set(data["can_lead"])
        for spec in data["teacher"]:
            name, active = spec["name"], spec.get("active", True)
            user = world.build.person(spec["username"], role=Role.TEACHER, name=name)
            school = world.schools[spec["school"]]
            county = world.counties[spec["county"]]
            for skill in spec["skills"]:
                if skill not in specialties:
                    raise CommandError(f"{skill} is not in the specialty catalogue")
            start, end = periods[spec["period"]]
            world.teachers[name] = world.build.teacher(
                home_school=school,
                name=name,
                skills={specialties[s]: level for s, level in spec["skills"].items()},
                title=spec["title"],
                county=county,
                phone=spec["phone"],
                available_from=start,
                available_until=end,
                capacity=spec["capacity"],
                can_lead=name in can_lead,
                active=active,
                user=user,
            )
            world.logins.append(
                Login(
                    spec["username"],
                    ROLE_NAMES[Role.TEACHER],
                    name,
                    f"{school.name} → {county.name}" + ("" if active else "（已停用）"),
                )
            )
        for team in data["team"]:
            start, end = periods[team["period"]]
            world.build.team(
                county=world.counties[team["county"]],
                name=team["name"],
                start_date=start,
                end_date=end,
                leader=world.teachers[team["leader"]],
                members=[world.teachers[m] for m in team["members"]],
            )

    def team_proposal(
        self,
        world: World,
        data: dict[str, Any],
        periods: dict[str, tuple[dt.date, dt.date]],
    ) -> None:
        school = world.schools[data["school"]]
        start, end = periods[data["period"]]
        if TeamProposal.objects.filter(school=school, start_date=start).exists():
            return
        team_proposal_create(
            actor=world.coordinators["baihe"],
            school=school,
            start_date=start,
            end_date=end,
            min_size=data["min_size"],
            max_size=data["max_size"],
        )
        world.build.count("team proposals", True)

    # --- needs and their history -------------------------------------------------
    def needs(self, world: World, data: dict[str, Any]) -> None:
        specialties = {s.name: s for s in Specialty.objects.current()}
        now = timezone.now()
        for index, spec in enumerate(data["need"]):
            school = world.schools[spec["school"]]
            if Need.objects.filter(
                school=school, title=spec["title"], start_date=spec["start"]
            ).exists():
                continue  # seeded before: leave it and its history alone
            if spec["specialty"] not in specialties:
                raise CommandError(f"{spec['specialty']} is not in the catalogue")
            self.seed_need(
                world,
                spec,
                specialties[spec["specialty"]],
                minute=index % 50,
                now=now,
                notes=data["activity_notes"],
            )
            world.build.count("needs", True)
        self.check_capacity(world)

    def seed_need(
        self,
        world: World,
        spec: dict[str, Any],
        specialty: Specialty,
        *,
        minute: int,
        now: dt.datetime,
        notes: dict[str, str],
    ) -> None:
        status, headcount = spec["status"], spec.get("headcount", 1)
        teachers = spec.get("teachers", [])
        comment = spec.get("comment", "")
        coordinator = world.coordinators[world.school_county[spec["school"]]]
        if len(teachers) > headcount:
            raise CommandError(f"{spec['title']}: more teachers than headcount")
        if status in (S.MATCHED, S.FULFILLED) and len(teachers) != headcount:
            raise CommandError(f"{spec['title']}: a matched need fills every place")
        need = need_with_past(
            status,
            staff=world.staff[spec["school"]],
            coordinator=coordinator,
            at=need_dates(
                created=spec["created"],
                start=spec["start"],
                end=spec["end"],
                minute=minute,
                now=now,
            ),
            comments={
                "return": comment,
                "reject": comment,
                "approve": "诊断通过，纳入帮扶计划。",
                "confirm": "帮扶目标已完成，确认结项。",
                "cancel": comment,
            },
            diagnosis=spec.get("diagnosis"),
            # Unmarked: the schools and teachers mark them where the work
            # happens (demo/evaluations.py, through the services).
            goals=spec.get("goals", ()),
            cancelled_from=spec.get("cancelled_from") or S.DRAFT,
            returned=spec.get("returned", False),
            taken=len(teachers),
            school=world.schools[spec["school"]],
            specialty=specialty,
            kind=spec["kind"],
            title=spec["title"],
            description=spec["description"],
            headcount=headcount,
            start_date=spec["start"],
            end_date=spec["end"],
            urgency=spec.get("urgency", 3),
        )
        decided = need.matched_at or aware(spec["created"] + dt.timedelta(days=15), 10)
        for number, teacher_name in enumerate(teachers):
            assignment = assignment_with_past(
                assignment_status_for(status),
                need=need,
                teacher=world.teachers[teacher_name],
                decided_by=coordinator,
                decided_at=decided,
                first=number == 0,
            )
            activities_with_past(assignment, notes=notes)

    def check_capacity(self, world: World) -> None:
        for teacher in world.teachers.values():
            live = teacher.assignments.filter(
                status__in=[AssignmentStatus.PROPOSED, AssignmentStatus.ACCEPTED]
            ).count()
            if live > teacher.capacity:
                raise CommandError(
                    f"{teacher.name}: {live} live assignments, "
                    f"capacity {teacher.capacity}"
                )

    # --- output ------------------------------------------------------------------
    def report(self, world: World) -> None:
        out = self.stdout
        labels = {
            "counties": "县",
            "schools": "学校",
            "users": "账号",
            "teachers": "帮扶教师",
            "skills": "专业技能",
            "teams": "团队",
            "needs": "需求",
            "team proposals": "组团方案",
        }
        summary = "，".join(
            f"{labels.get(k, k)} {v}" for k, v in world.build.created.items() if v
        )
        out.write(
            self.style.SUCCESS(
                "演示数据已就绪"
                + (f"（本次新建：{summary}）" if summary else "（无变化，已是最新）")
            )
        )
        out.write(
            f"县 {County.objects.count()} · 学校 {School.objects.count()} · "
            f"帮扶教师 {Teacher.objects.count()} · 团队 {Team.objects.count()} · "
            f"需求 {Need.objects.count()} · 用户 {User.objects.count()}"
        )
        out.write("")
        out.write(f"演示账号（所有账号的密码均为：{DEMO_PASSWORD}）")
        headers = ("用户名", "角色", "姓名", "范围")
        rows = [(x.username, x.role, x.name, x.scope) for x in world.logins]
        widths = [
            max(_width(str(row[i])) for row in [headers, *rows]) for i in range(4)
        ]
        line = "  ".join(_pad(h, w) for h, w in zip(headers, widths, strict=True))
        out.write(line.rstrip())
        out.write("  ".join("-" * w for w in widths))
        for row in rows:
            out.write(
                "  ".join(_pad(v, w) for v, w in zip(row, widths, strict=True)).rstrip()
            )
        if not self.reset_passwords:
            out.write("（已存在的账号保留原密码；用 --reset-passwords 恢复演示密码。）")
