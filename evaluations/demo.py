"""The evaluation part of the demo world (``load_demo`` calls :func:`load`).

In Baihe (白河县): the autumn term 2026 (09-01..11-30) closed with every rating in,
so a newcomer sees real results (some 优秀, most 良好 or 合格, one 不合格 with its
reasons), and the first semester 2026-2027 (09-01..2027-01-31) open with about
half of its ratings in. Goals of the needs fulfilled in the autumn are marked by
their schools. Everything goes through the services (open, rate, close), so the
rules of who is evaluated and who rates whom hold as in real use.

Scores are drawn deterministically: each teacher has a level of work that shows in
every rater's scores (plus a small spread per rater and indicator), so raters
broadly agree, and one teacher, whose school found the work weak, fails. Running
it again changes nothing (cycles are found by name)."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.contrib.auth import get_user_model
from django.db import transaction

from needs.models import County, NeedStatus, PlanGoal

from . import cycles, frameworks, ratings
from .models import EvaluationCycle, Framework, Rating, RatingStatus, SubjectType

CLOSED_NAME = "2026年秋季学期帮扶考核"
OPEN_NAME = "2026-2027学年第一学期帮扶考核"
COUNTY_CODE = "610929"  # 白河县
COORDINATOR = "coord_baihe"
# A teacher's level of work as their raters saw it (the rest: 82).
LEVEL = {"缪建平": 100, "周丽萍": 100, "陈晓峰": 90, "芮国强": 86, "史建华": 36}
DEFAULT_LEVEL = 80


def _spread(*parts: object) -> int:
    """-4..+4, the same every time for the same rater, subject and indicator (drawn
    from names, not ids, so every database gets the same results)."""
    digest = hashlib.sha256(":".join(map(str, parts)).encode()).digest()
    return digest[0] % 9 - 4


def _subject(task: Rating) -> str:
    """Who is rated, by name and cycle: the same draw on any database, whatever
    the ids its sequences hand out."""
    evaluation = task.evaluation
    return (
        f"{evaluation.cycle.name}:{evaluation.subject_type}:{evaluation.subject_name}"
    )


def _level(task: Rating) -> int:
    evaluation = task.evaluation
    if evaluation.subject_type == SubjectType.TEACHER:
        return LEVEL.get(evaluation.teacher.name, DEFAULT_LEVEL)
    return 84


def _rate(tasks) -> int:
    count = 0
    for task in tasks:
        if task.status != RatingStatus.PENDING:
            continue
        level = _level(task)
        scores = {
            indicator.code: max(
                0,
                min(100, level + _spread(task.rater.username, _subject(task), code)),
            )
            for indicator in ratings.rated_indicators(task.evaluation)
            for code in [indicator.code]
        }
        ratings.rating_submit(
            user=task.rater, rating=task, scores=scores, comment=_comment(level)
        )
        count += 1
    return count


def _comment(level: int) -> str:
    if level >= 90:
        return "工作扎实，带教成效明显，学校师生评价很高。"
    if level >= 80:
        return "认真负责，按计划完成帮扶任务。"
    if level >= 70:
        return "能完成基本任务，课堂教学还可加强。"
    return "到岗和授课次数不足，培训计划多次调整，未达成约定目标。"


def _mark_goals(county: County, until: dt.date) -> None:
    """The schools marked the goals of the needs fulfilled by ``until``: most met,
    one in four not."""
    goals = PlanGoal.objects.filter(
        need__school__county=county,
        need__status=NeedStatus.FULFILLED,
        need__end_date__lte=until,
        met__isnull=True,
    ).select_related("need")
    staff = {
        user.school_id: user
        for user in get_user_model().objects.filter(school__county=county)
    }
    for goal in goals:
        goal.met = _spread("goal", goal.need.title, goal.text) > -3
        goal.met_recorded_by = staff.get(goal.need.school_id)
        goal.save(update_fields=["met", "met_recorded_by"])


# A term is a third of a school year: the county's copy of the default frameworks
# asks for a term's hours and teachers trained, not a year's.
TERM_TARGETS = {"hours_taught": 24.0, "local_teachers_trained": 10.0}
TERM_NOTE = "按学期（约三个月）考核：授课课时目标 24，培训本地教师目标 10 人次。"


def _term_framework(coordinator, county: County, subject_type: str) -> Framework:
    name = {
        SubjectType.TEACHER: "白河县学期考核体系（教师）",
        SubjectType.TEAM: "白河县学期考核体系（团队）",
    }[subject_type]
    existing = Framework.objects.filter(county=county, name=name).first()
    if existing is not None:
        return existing
    default = Framework.objects.default_for(subject_type)
    rows = frameworks.framework_rows(default)
    for row in rows:
        if row["metric"] in TERM_TARGETS:
            row["target"] = TERM_TARGETS[row["metric"]]
    return frameworks.framework_create(
        user=coordinator,
        county=county,
        name=name,
        subject_type=subject_type,
        description=TERM_NOTE,
        indicators=rows,
        rater_weights={w.role: w.weight for w in default.rater_weights.all()},
    )


@transaction.atomic
def load() -> dict[str, str]:
    """Create the two demo cycles if they are missing; return what was done."""
    county = County.objects.filter(code=COUNTY_CODE).first()
    coordinator = get_user_model().objects.filter(username=COORDINATOR).first()
    if county is None or coordinator is None:
        return {}
    done = {}
    if not EvaluationCycle.objects.filter(county=county, name=CLOSED_NAME).exists():
        _mark_goals(county, dt.date(2026, 11, 30))
        cycle = cycles.cycle_create(
            user=coordinator,
            county=county,
            name=CLOSED_NAME,
            start_date=dt.date(2026, 9, 1),
            end_date=dt.date(2026, 11, 30),
            framework=_term_framework(coordinator, county, SubjectType.TEACHER),
            team_framework=_term_framework(coordinator, county, SubjectType.TEAM),
        )
        opened = cycles.cycle_open(user=coordinator, cycle=cycle)
        rated = _rate(
            Rating.objects.filter(evaluation__cycle=cycle).select_related(
                "evaluation__cycle", "evaluation__teacher", "rater"
            )
        )
        closed = cycles.cycle_close(
            user=coordinator, cycle=cycle, today=dt.date(2026, 11, 30)
        )
        done[CLOSED_NAME] = (
            f"{opened['teachers']} 名教师、{opened['teams']} 个团队、"
            f"{opened['schools']} 所学校；{rated} 项评分；{closed['scored']} 个结果"
        )
    if not EvaluationCycle.objects.filter(county=county, name=OPEN_NAME).exists():
        cycle = cycles.cycle_create(
            user=coordinator,
            county=county,
            name=OPEN_NAME,
            start_date=dt.date(2026, 9, 1),
            end_date=dt.date(2027, 1, 31),
        )
        opened = cycles.cycle_open(user=coordinator, cycle=cycle)
        tasks = list(
            Rating.objects.filter(evaluation__cycle=cycle)
            .select_related("evaluation__cycle", "evaluation__teacher", "rater")
            .order_by("id")
        )
        rated = _rate(tasks[::2])
        done[OPEN_NAME] = f"{opened['rating_tasks']} 项评分任务，已完成 {rated} 项"
    return done
