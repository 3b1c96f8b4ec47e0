"""Evaluation cycles: create and edit a draft, open it (subjects and rating tasks),
close it (scores, grades, ranks, explanations), or hand the opening and closing to a
Celery task.

The rules its services check are in :mod:`evaluations.policies`."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from statistics import median
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Role, User
from accounts.notifications import notify
from common.errors import TransitionNotAllowed
from common.services import model_create
from common.tasks import task as celery_task
from places.models import County
from teams.models import Teacher

from . import scoring
from .completion import completion_of, summary
from .facts import collect, served_assignments, subjects_of
from .frameworks import check_frameworks, framework_for, framework_specs
from .models import (
    CycleStatus,
    Evaluation,
    EvaluationCycle,
    EvaluationStatus,
    Framework,
    Indicator,
    RaterRole,
    Rating,
    RatingScore,
    RatingStatus,
    SubjectType,
)
from .policies import CYCLE


@transaction.atomic
def cycle_create(
    *,
    actor,
    county: County,
    name: str,
    start_date: dt.date,
    end_date: dt.date,
    framework: Framework | None = None,
    team_framework: Framework | None = None,
    school_framework: Framework | None = None,
) -> EvaluationCycle:
    CYCLE.check(actor, "create", EvaluationCycle(county=county))
    framework = framework or Framework.objects.default_for(SubjectType.TEACHER)
    team_framework = team_framework or Framework.objects.default_for(SubjectType.TEAM)
    school_framework = school_framework or Framework.objects.default_for(
        SubjectType.SCHOOL
    )
    if framework is None:
        raise ValidationError(
            {"framework": [_("Choose a framework: there is no default one.")]}
        )
    check_frameworks(
        {
            SubjectType.TEACHER: framework,
            SubjectType.TEAM: team_framework,
            SubjectType.SCHOOL: school_framework,
        },
        county.pk,
    )
    return model_create(
        EvaluationCycle,
        name=name,
        county=county,
        framework=framework,
        team_framework=team_framework,
        school_framework=school_framework,
        start_date=start_date,
        end_date=end_date,
        created_by=actor,
    )


@transaction.atomic
def cycle_update(*, actor, cycle: EvaluationCycle, **changes: Any) -> EvaluationCycle:
    cycle = CYCLE.lock(actor, "update", cycle)
    allowed = {
        "name",
        "start_date",
        "end_date",
        "framework",
        "team_framework",
        "school_framework",
    }
    for field, value in changes.items():
        if field not in allowed:
            raise ValidationError({field: [_("This field cannot be changed.")]})
        setattr(cycle, field, value)
    check_frameworks(
        {
            SubjectType.TEACHER: cycle.framework,
            SubjectType.TEAM: cycle.team_framework,
            SubjectType.SCHOOL: cycle.school_framework,
        },
        cycle.county_id,
    )
    cycle.full_clean()
    cycle.save(update_fields=sorted(changes))
    return cycle


# What opening and closing a cycle read with its locked row.
LOCK_RELATED = ("framework", "team_framework", "school_framework")


def _active_users(**filters) -> list:
    return list(
        User.objects.filter(is_active=True, **filters).values_list("id", flat=True)
    )


@transaction.atomic
def cycle_open(*, actor, cycle: EvaluationCycle) -> dict[str, int]:
    """``draft`` -> ``open``: an evaluation for each subject that served in the
    period (:func:`evaluations.facts.subjects_of`: teachers with an accepted or
    completed assignment overlapping it, their teams, the assisted schools with a
    need open, matched or fulfilled in it), and a rating task for each rater.
    Everyone else is not evaluated, never scored."""
    cycle = CYCLE.lock(actor, "open", cycle, related=LOCK_RELATED)
    changed = ["status", "opened_at"]
    if cycle.team_framework is None:
        cycle.team_framework = Framework.objects.default_for(SubjectType.TEAM)
        changed.append("team_framework")
    if cycle.school_framework is None:
        cycle.school_framework = Framework.objects.default_for(SubjectType.SCHOOL)
        changed.append("school_framework")

    # Who served where.
    served = list(
        served_assignments(cycle).values_list("teacher_id", "need__school_id")
    )
    schools_of_teacher: dict[int, set[int]] = defaultdict(set)
    teachers_of_school: dict[int, set[int]] = defaultdict(set)
    for teacher_id, school_id in served:
        schools_of_teacher[teacher_id].add(school_id)
        teachers_of_school[school_id].add(teacher_id)
    subjects = subjects_of(cycle)
    team_ids = sorted(subjects.teams)
    members: dict[int, set[int]] = defaultdict(set)
    for team_id, teacher_id in Teacher.teams.through.objects.filter(
        team_id__in=team_ids
    ).values_list("team_id", "teacher_id"):
        members[team_id].add(teacher_id)
    teacher_ids = set(subjects.teachers)
    school_ids = sorted(subjects.schools)

    # The raters.
    coordinators = _active_users(role=Role.COORDINATOR, counties=cycle.county_id)
    staff_of_school: dict[int, list[int]] = defaultdict(list)
    for user_id, school_id in User.objects.filter(
        is_active=True,
        role=Role.SCHOOL_STAFF,
        school_id__in=set(school_ids) | set(teachers_of_school),
    ).values_list("id", "school_id"):
        staff_of_school[school_id].append(user_id)
    user_of_teacher = dict(
        Teacher.objects.filter(
            id__in=teacher_ids | {t for ts in teachers_of_school.values() for t in ts},
            user__isnull=False,
            user__is_active=True,
        ).values_list("id", "user_id")
    )

    evaluations = Evaluation.objects.bulk_create(
        [
            Evaluation(cycle=cycle, subject_type=SubjectType.TEACHER, teacher_id=t)
            for t in sorted(teacher_ids)
        ]
        + [
            Evaluation(cycle=cycle, subject_type=SubjectType.TEAM, team_id=t)
            for t in sorted(team_ids)
        ]
        + [
            Evaluation(cycle=cycle, subject_type=SubjectType.SCHOOL, school_id=s)
            for s in sorted(school_ids)
        ]
    )

    roles_with_weight: dict[str, set[str]] = {}
    for subject_type in SubjectType.values:
        framework = framework_for(cycle, subject_type)
        roles_with_weight[subject_type] = (
            set(
                framework.rater_weights.filter(weight__gt=0).values_list(
                    "role", flat=True
                )
            )
            if framework is not None
            else set()
        )
    teams_of_teacher: dict[int, set[int]] = defaultdict(set)
    for team_id, teacher_set in members.items():
        for teacher_id in teacher_set:
            teams_of_teacher[teacher_id].add(team_id)

    def users_of(teachers) -> set[int]:
        return {user_of_teacher[t] for t in teachers if t in user_of_teacher}

    def staff_for(schools) -> set[int]:
        return {u for s in schools for u in staff_of_school.get(s, ())}

    # Raters rate only whom they worked with (README, "Who rates whom"): a
    # school's staff the teachers who served it; a teacher, besides themself, at
    # most EVALUATION_MAX_PEER_TASKS team peers who also served in the period,
    # chosen fairly; the coordinators the teams and schools, and the teachers
    # where the framework gives them a weight.
    peer_candidates = {
        teacher_id: {
            m
            for team_id in teams_of_teacher.get(teacher_id, ())
            for m in members[team_id]
            if m != teacher_id and m in teacher_ids
        }
        for teacher_id in teacher_ids
        if teacher_id in user_of_teacher
    }
    peer_tasks = scoring.choose_peer_tasks(
        peer_candidates,
        int(settings.EVALUATION_MAX_PEER_TASKS),
        seed=cycle.pk,
    )
    peer_raters: dict[int, set[int]] = defaultdict(set)
    for rater_teacher, subjects in peer_tasks.items():
        for subject in subjects:
            peer_raters[subject].add(user_of_teacher[rater_teacher])

    tasks: list[Rating] = []
    for evaluation in evaluations:
        roles = roles_with_weight[evaluation.subject_type]
        raters: dict[str, set[int]] = {}
        if evaluation.subject_type == SubjectType.TEACHER:
            teacher_id = evaluation.teacher_id
            raters = {
                RaterRole.SCHOOL: staff_for(schools_of_teacher.get(teacher_id, ())),
                RaterRole.COORDINATOR: set(coordinators),
                RaterRole.PEER: peer_raters.get(teacher_id, set()),
                RaterRole.SELF: users_of([teacher_id]),
            }
        else:
            raters = {RaterRole.COORDINATOR: set(coordinators)}
        for role, user_ids in raters.items():
            if role not in roles:
                continue
            tasks.extend(
                Rating(evaluation=evaluation, rater_id=u, rater_role=role)
                for u in sorted(user_ids)
            )
    Rating.objects.bulk_create(tasks)

    cycle.status = CycleStatus.OPEN
    cycle.opened_at = timezone.now()
    cycle.save(update_fields=changed)

    per_rater: dict[int, int] = defaultdict(int)
    for task in tasks:
        per_rater[task.rater_id] += 1
    raters_by_count: dict[int, list[int]] = defaultdict(list)
    for rater_id, count in per_rater.items():
        raters_by_count[count].append(rater_id)
    url = reverse("evaluations:tasks")
    # Work to do before the cycle closes: e-mailed at once.
    for count, rater_ids in sorted(raters_by_count.items()):
        notify(
            users=User.objects.filter(pk__in=rater_ids).order_by("pk"),
            title=ngettext(
                "%(count)d rating task in %(cycle)s",
                "%(count)d rating tasks in %(cycle)s",
                count,
            )
            % {"count": count, "cycle": cycle.name},
            url=url,
            action_label=_("Do the ratings"),
            kind="rating_tasks",
        )
    by_type: dict[str, int] = defaultdict(int)
    for evaluation in evaluations:
        by_type[evaluation.subject_type] += 1
    return {
        "teachers": by_type[SubjectType.TEACHER],
        "teams": by_type[SubjectType.TEAM],
        "schools": by_type[SubjectType.SCHOOL],
        "rating_tasks": len(tasks),
    }


def _sheets(cycle: EvaluationCycle) -> dict[int, dict[str, list[dict[str, float]]]]:
    """Evaluation id -> role -> the submitted score sheets ({code: score})."""
    by_rating: dict[int, dict[str, float]] = defaultdict(dict)
    meta: dict[int, tuple[int, str]] = {}
    for rating_id, evaluation_id, role, code, score in RatingScore.objects.filter(
        rating__evaluation__cycle=cycle, rating__status=RatingStatus.SUBMITTED
    ).values_list(
        "rating_id",
        "rating__evaluation_id",
        "rating__rater_role",
        "indicator__code",
        "score",
    ):
        by_rating[rating_id][code] = float(score)
        meta[rating_id] = (evaluation_id, role)
    sheets: dict[int, dict[str, list[dict[str, float]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for rating_id, sheet in by_rating.items():
        evaluation_id, role = meta[rating_id]
        sheets[evaluation_id][role].append(sheet)
    return sheets


def _breakdown(
    outcome: scoring.Outcome,
    indicators: list[Indicator],
    weights: dict[str, Decimal],
) -> dict:
    def rounded(value: float | None) -> float | None:
        return float(scoring.to_decimal(value)) if value is not None else None

    code_of = {i.pk: i.code for i in indicators}
    return {
        "indicators": [
            {
                "code": i.code,
                "name": i.name,
                "name_en": i.name_en,
                "parent": code_of.get(i.parent_id),
                "weight": float(i.weight),
                "kind": i.kind,
                "metric": i.metric,
                "value": (
                    round(outcome.values[i.metric], 4)
                    if i.metric and outcome.values.get(i.metric) is not None
                    else None
                ),
                "score": rounded(outcome.indicator_scores.get(i.code)),
                "by_role": {
                    role: rounded(sheet[i.code])
                    for role, sheet in outcome.raters.role_indicator_scores.items()
                    if i.code in sheet
                },
            }
            for i in indicators
        ],
        "raters": {
            role: {
                "weight": float(weight),
                "effective_weight": round(outcome.raters.effective_weights[role], 2),
                "submitted": outcome.raters.rater_counts.get(role, 0),
                "score": rounded(outcome.role_scores.get(role)),
            }
            for role, weight in weights.items()
            if weight > 0
        },
        "framework_score": rounded(outcome.score),
    }


def _explain(
    breakdown: dict,
    outcome: scoring.Outcome,
    specs: list[scoring.IndicatorSpec],
    basis: dict[str, dict],
) -> None:
    """What a result needs to explain itself: the data behind each objective
    indicator, the indicators without data, and what cost the most points."""
    names = {row["code"]: row["name"] for row in breakdown["indicators"]}
    for row in breakdown["indicators"]:
        if row["metric"]:
            row["basis"] = basis.get(row["metric"])
    breakdown["no_data"] = [
        row["code"]
        for row in breakdown["indicators"]
        if row["metric"] and row["score"] is None
    ]
    breakdown["lowered_by"] = [
        {"code": code, "name": names.get(code, code), "points": points}
        for code, points in scoring.what_lowered(specs, outcome.indicator_scores)
    ]


def _add_medians(evaluations: list[Evaluation]) -> None:
    """The county's median score of each indicator (over the cycle's subjects of
    the same kind that have one), for comparison."""
    scores: dict[tuple[str, str], list[float]] = defaultdict(list)
    for evaluation in evaluations:
        for row in evaluation.breakdown.get("indicators", []):
            if row["score"] is not None:
                scores[(evaluation.subject_type, row["code"])].append(row["score"])
    for evaluation in evaluations:
        for row in evaluation.breakdown.get("indicators", []):
            values = scores.get((evaluation.subject_type, row["code"]))
            row["median"] = round(median(values), 2) if values else None
            row["median_of"] = len(values) if values else 0


class CompletionTooLow(TransitionNotAllowed):
    """Closing refused: some subjects have less than the minimum share of their
    rater weight submitted. Carries the figures."""

    def __init__(self, cycle: EvaluationCycle, figures: dict):
        super().__init__(
            _("evaluation cycle"), cycle.status, cycle.get_status_display(), _("close")
        )
        self.figures = figures
        self.message = _(
            "Cannot close: %(below)d subjects have less than %(threshold)d %% of "
            "their rater weight submitted (lowest %(minimum)d %%). Wait for the "
            "ratings, or close anyway with a written reason: the results are then "
            "provisional."
        ) % {
            "below": figures["below"],
            "threshold": round(100 * figures["threshold"]),
            "minimum": round(100 * figures["minimum"]),
        }


@transaction.atomic
def cycle_close(
    *,
    actor,
    cycle: EvaluationCycle,
    today: dt.date | None = None,
    force: bool = False,
    reason: str = "",
) -> dict[str, int]:
    """``open`` -> ``closed``: score, grade and rank every evaluation. Refused
    (409, with the figures) while a subject is below the minimum completion of
    its ratings, unless ``force`` with a ``reason``: the results are then
    provisional (暂定) everywhere and no certificate is issued."""
    cycle = CYCLE.lock(actor, "close", cycle, related=LOCK_RELATED)
    reason = (reason or "").strip()
    if force and not reason:
        raise ValidationError(
            {"reason": [_("Say why the cycle closes before its ratings are done.")]}
        )
    figures = completion_of([cycle])[cycle.pk]
    provisional = not figures["ready"]
    if provisional and not force:
        raise CompletionTooLow(cycle, summary(figures))
    facts = collect(cycle, today)
    sheets = _sheets(cycle)
    roles_with_tasks = set(
        Rating.objects.filter(evaluation__cycle=cycle)
        .values_list("evaluation_id", "rater_role")
        .distinct()
    )
    frameworks = {}
    for subject_type in SubjectType.values:
        framework = framework_for(cycle, subject_type)
        indicators = list(framework.indicators.all()) if framework is not None else []
        specs, weights = framework_specs(framework)
        frameworks[subject_type] = (indicators, specs, weights)

    evaluations = list(cycle.evaluations.all())
    final: dict[int, float | None] = {}
    for evaluation in evaluations:
        if evaluation.subject_type == SubjectType.TEACHER:
            values = facts.teacher_values(evaluation.teacher_id)
            basis = facts.teacher_basis(evaluation.teacher_id)
        elif evaluation.subject_type == SubjectType.TEAM:
            values = facts.team_values(evaluation.team_id)
            basis = facts.team_basis(evaluation.team_id)
        else:
            values = facts.school_values(evaluation.school_id)
            basis = facts.school_basis(evaluation.school_id)
        indicators, specs, weights = frameworks[evaluation.subject_type]
        outcome = scoring.evaluate(
            specs, weights, values, sheets.get(evaluation.pk, {})
        )
        evaluation.breakdown = _breakdown(outcome, indicators, weights)
        _explain(evaluation.breakdown, outcome, specs, basis)
        # A role nobody could rate in (by the rule of who rates whom) is not
        # missing: its weight is spread without a flag.
        evaluation.flags = [
            flag
            for flag in outcome.flags
            if not flag.startswith("missing_rater:")
            or (evaluation.pk, flag.partition(":")[2]) in roles_with_tasks
        ]
        final[evaluation.pk] = outcome.score

    # Team roll-up: a team's result also reflects its members' final scores.
    share = float(settings.EVALUATION_TEAM_MEMBER_SHARE)
    teacher_score = {
        e.teacher_id: final[e.pk]
        for e in evaluations
        if e.subject_type == SubjectType.TEACHER
    }
    for evaluation in evaluations:
        if evaluation.subject_type != SubjectType.TEAM:
            continue
        member_scores = [
            teacher_score[m]
            for m in facts.team_members.get(evaluation.team_id, [])
            if teacher_score.get(m) is not None
        ]
        own = final[evaluation.pk]
        final[evaluation.pk] = scoring.team_roll_up(own, member_scores, share)
        evaluation.breakdown["roll_up"] = {
            "own": float(scoring.to_decimal(own)) if own is not None else None,
            "members_mean": (
                float(scoring.to_decimal(sum(member_scores) / len(member_scores)))
                if member_scores
                else None
            ),
            "members": len(member_scores),
            "member_share": share,
        }

    _add_medians(evaluations)
    grades = settings.EVALUATION_GRADES
    for evaluation in evaluations:
        score = final[evaluation.pk]
        if score is None:
            evaluation.score = None
            evaluation.grade = ""
            evaluation.status = EvaluationStatus.NO_DATA
        else:
            evaluation.score = scoring.to_decimal(score)
            evaluation.grade = scoring.grade_for(evaluation.score, grades)
            evaluation.status = EvaluationStatus.SCORED
        evaluation.rank = None
    for subject_type in SubjectType.values:
        ranks = scoring.competition_ranks(
            {e.pk: e.score for e in evaluations if e.subject_type == subject_type}
        )
        for evaluation in evaluations:
            if evaluation.pk in ranks:
                evaluation.rank = ranks[evaluation.pk]
    Evaluation.objects.bulk_update(
        evaluations,
        ["score", "grade", "rank", "status", "breakdown", "flags"],
        batch_size=500,
    )
    cycle.status = CycleStatus.CLOSED
    cycle.closed_at = timezone.now()
    cycle.closed_by = actor
    cycle.provisional = provisional
    cycle.close_reason = reason if provisional else ""
    cycle.full_clean()
    cycle.save(
        update_fields=[
            "status",
            "closed_at",
            "closed_by",
            "provisional",
            "close_reason",
        ]
    )
    return {
        "scored": sum(1 for e in evaluations if e.score is not None),
        "no_data": sum(1 for e in evaluations if e.score is None),
        "flagged": sum(1 for e in evaluations if e.flags),
    }


def cycle_enqueue(
    *,
    actor,
    cycle: EvaluationCycle,
    action: str,
    force: bool = False,
    reason: str = "",
) -> None:
    """Check now, run later: ``open`` or ``close`` a cycle in a Celery task (for a
    big county), enqueued once the caller's transaction commits. The task calls
    the same service, which checks again; a second delivery does nothing."""

    CYCLE.check(actor, action, cycle)
    cycle_id, user_id = cycle.pk, actor.pk
    if action == "open":
        transaction.on_commit(
            lambda: celery_task("evaluations.cycle_open").delay(cycle_id, user_id)
        )
        return
    reason = (reason or "").strip()
    if force and not reason:
        raise ValidationError(
            {"reason": [_("Say why the cycle closes before its ratings are done.")]}
        )
    figures = completion_of([cycle])[cycle.pk]
    if not figures["ready"] and not force:
        raise CompletionTooLow(cycle, summary(figures))
    transaction.on_commit(
        lambda: celery_task("evaluations.cycle_close").delay(
            cycle_id, user_id, force, reason
        )
    )
