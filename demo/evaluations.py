"""The evaluation part of the demo world (``load_demo`` calls :func:`load`).

In Baihe (白河县): the autumn term 2026 (09-01..11-30) closed with every rating in,
so a newcomer sees real results (some 优秀, most 良好 or 合格, one 不合格 with its
reasons), and the first semester 2026-2027 (09-01..2027-01-31) open with about
half of its ratings in. Before the autumn closes, the schools and teachers mark
the goals of the needs served in it, and the coordinator confirms (or corrects) all
marks but one, which waits (:data:`GOAL_MARKS`). Everything goes through the
services (mark, confirm, open, rate, close), so the rules of who is evaluated and
who rates whom hold as in real use.

Scores are drawn deterministically: each teacher has a level of work that shows in
every rater's scores (plus a small spread per rater and indicator), so raters
broadly agree, and one teacher, whose school found the work weak, fails. Running
it again changes nothing (cycles are found by name)."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.contrib.auth import get_user_model
from django.db import transaction

from demo.needs import demo_sign_in_sheet
from demo.world import aware, backdate, cycle_with_past
from evaluations import frameworks, ratings
from evaluations.models import (
    CycleStatus,
    EvaluationCycle,
    Framework,
    Rating,
    RatingStatus,
    SubjectType,
)
from needs.goals import goal_confirm, goal_mark
from needs.models import PlanGoal
from places.models import County

CLOSED_NAME = "2026年秋季学期帮扶考核"
OPEN_NAME = "2026-2027学年第一学期帮扶考核"
COUNTY_CODE = "610929"  # 白河县
COORDINATOR = "coord_baihe"
START = dt.date(2026, 9, 1)  # both cycles start with the autumn term
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
            actor=task.rater, rating=task, scores=scores, comment=_comment(level)
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


# Goals marked where the work happens: (need, goal number, who marked it: the
# school's staff or the teacher, outcome, note, what the coordinator did: confirm,
# ("correct", outcome, note), or None to leave it waiting).
GOAL_MARKS = [
    ("电商直播带货实训教学（秋季短期班）", 0, "staff", "met",
     "4名教师均已独立完成直播带货全流程，培训签到与考核表已存档。", "confirm"),
    ("电商直播带货实训教学（秋季短期班）", 1, "teacher", "met",
     "学生共完成农产品直播实训26场，直播回放已交学校存档。", "confirm"),
    ("茶园秋管与茶叶加工技术培训", 0, "staff", "met",
     "共培训本校教师12人次、茶农26人次，见签到表。", "confirm"),
    ("茶园秋管与茶叶加工技术培训", 1, "teacher", "partly",
     "指导书初稿已完成，烘干工序部分需下学期试制后定稿。", "confirm"),
    ("汽修一体化教室布局与设备调试", 0, "teacher", "met",
     "布局方案已完成，教室已投入教学使用。",
     ("correct", "partly", "现场查看：举升机尚未完成验收，教室仅部分投入教学。")),
    ("汽修一体化教室布局与设备调试", 1, "staff", "not_met",
     "实训室安全操作规程至今未提交。", "confirm"),
    ("会计电算化实操培训", 0, "staff", "met",
     "培训合作社财务人员22名，均通过实操考核。", "confirm"),
    ("会计电算化实操培训", 1, "teacher", "met",
     "本校2名教师已完成会计电算化课程试讲。", None),
    ("电子商务专业课程体系重构", 0, "teacher", "met",
     "人才培养方案已修订，并通过学校专业建设委员会审议。", "confirm"),
]  # fmt: skip


def _mark_goals(county: County, coordinator) -> int:
    """The schools and teachers mark the goals of :data:`GOAL_MARKS` through the
    services, the coordinator confirms or corrects all but one, which waits; the
    history is dated a few days after each need's end (or in November, for a need
    still running). Goals that already have marks are left as they are."""
    users = get_user_model().objects
    count = 0
    for title, number, who, outcome, note, decision in GOAL_MARKS:
        goal = (
            PlanGoal.objects.filter(need__school__county=county, need__title=title)
            .select_related("need__school")
            .order_by("position", "id")[number : number + 1]
            .first()
        )
        if goal is None or goal.marks.exists():
            continue
        need = goal.need
        if who == "staff":
            author = users.filter(school=need.school_id, is_active=True).first()
        else:
            author = users.filter(
                teacher__assignments__need=need,
                teacher__assignments__status__in=("accepted", "completed"),
            ).first()
        if author is None:
            continue
        files = [demo_sign_in_sheet()] if number == 0 and who == "staff" else ()
        goal = goal_mark(
            goal=goal, actor=author, outcome=outcome, note=note, files=files
        )
        day = min(need.end_date, dt.date(2026, 11, 20)) + dt.timedelta(days=3)
        _dated(goal, "marked_at", day)
        if decision is not None:
            corrected, why = ("", "") if decision == "confirm" else decision[1:]
            goal_confirm(goal=goal, actor=coordinator, outcome=corrected, note=why)
            _dated(goal, "confirmed_at", day + dt.timedelta(days=4))
        count += 1
    return count


def _dated(goal: PlanGoal, field: str, day: dt.date) -> None:
    """Date the goal's latest history row and ``field`` on ``day`` (10:00)."""
    at = aware(day, 10)
    backdate(goal.marks.order_by("-created_at", "-id").first(), created_at=at)
    backdate(goal, **{field: at})


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
        actor=coordinator,
        county=county,
        name=name,
        subject_type=subject_type,
        description=TERM_NOTE,
        indicators=rows,
        rater_weights={w.role: w.weight for w in default.rater_weights.all()},
    )


def _tasks(cycle: EvaluationCycle):
    return Rating.objects.filter(evaluation__cycle=cycle).select_related(
        "evaluation__cycle", "evaluation__teacher", "rater"
    )


@transaction.atomic
def load() -> dict[str, str]:
    """Create the two demo cycles if they are missing; return what was done."""
    county = County.objects.filter(code=COUNTY_CODE).first()
    coordinator = get_user_model().objects.filter(username=COORDINATOR).first()
    if county is None or coordinator is None:
        return {}
    done = {}
    of_county = {"actor": coordinator, "county": county, "start_date": START}
    if not EvaluationCycle.objects.filter(county=county, name=CLOSED_NAME).exists():
        marked = _mark_goals(county, coordinator)
        run = cycle_with_past(
            CycleStatus.CLOSED,
            **of_county,
            name=CLOSED_NAME,
            end_date=dt.date(2026, 11, 30),
            framework=_term_framework(coordinator, county, SubjectType.TEACHER),
            team_framework=_term_framework(coordinator, county, SubjectType.TEAM),
            rate=lambda cycle: _rate(_tasks(cycle)),
            today=dt.date(2026, 11, 30),
        )
        opened = run.opened
        done[CLOSED_NAME] = (
            f"{opened['teachers']} 名教师、{opened['teams']} 个团队、"
            f"{opened['schools']} 所学校；{marked} 项目标标记；{run.rated} 项评分；"
            f"{run.closed['scored']} 个结果"
        )
    if not EvaluationCycle.objects.filter(county=county, name=OPEN_NAME).exists():
        run = cycle_with_past(
            CycleStatus.OPEN,
            **of_county,
            name=OPEN_NAME,
            end_date=dt.date(2027, 1, 31),
            # Half of the tasks are done.
            rate=lambda cycle: _rate(list(_tasks(cycle).order_by("id"))[::2]),
        )
        done[OPEN_NAME] = (
            f"{run.opened['rating_tasks']} 项评分任务，已完成 {run.rated} 项"
        )
    return done
