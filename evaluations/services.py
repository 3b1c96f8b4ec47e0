"""Every write of the evaluation system: frameworks, cycles, ratings, results.

Services check who may act (``PermissionDenied`` -> 403), the state
(``TransitionNotAllowed`` -> 409) and the input (``ValidationError`` -> 400), and
change nothing when they refuse. How scores are computed is documented in
:mod:`evaluations.scoring`."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from statistics import median
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Role
from accounts.notifications import notify
from accounts.scopes import manages_county
from common.errors import TransitionNotAllowed
from common.tasks import task as celery_task
from needs.models import County
from teams.models import Teacher

from . import scoring
from .completion import completion_of, summary
from .facts import collect, served_assignments, subjects_of
from .models import (
    Appeal,
    AppealStatus,
    CycleStatus,
    Evaluation,
    EvaluationCycle,
    EvaluationStatus,
    Framework,
    Indicator,
    IndicatorKind,
    RaterRole,
    RaterWeight,
    Rating,
    RatingScore,
    RatingStatus,
    SubjectType,
)
from .policies import CYCLE, EVALUATION_APPEAL, FRAMEWORK, RATING

User = get_user_model()

# What a rater's anchors explain: the scores 90, 75 and 60.
ANCHOR_SCORES = ("90", "75", "60")

# --- who may do what -------------------------------------------------------------


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


# --- frameworks ------------------------------------------------------------------


def _decimal(value: Any, field: str, errors: list[str]) -> Decimal | None:
    if isinstance(value, bool):
        errors.append(_("%(field)s must be a number.") % {"field": field})
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        errors.append(_("%(field)s must be a number.") % {"field": field})
        return None
    if not number.is_finite():
        errors.append(_("%(field)s must be a number.") % {"field": field})
        return None
    return number


def _clean_indicators(subject_type: str, rows: list[dict]) -> list[dict]:
    """Check an indicator tree given as a flat list (``parent`` names a code);
    raise ValidationError({"indicators": [...]}) listing every problem."""
    errors: list[str] = []
    if not rows:
        raise ValidationError(
            {"indicators": [_("A framework needs at least one indicator.")]}
        )
    clean: list[dict] = []
    codes: set[str] = set()
    for position, row in enumerate(rows):
        code = str(row.get("code") or "").strip()
        label = code or f"#{position + 1}"
        if not code:
            errors.append(_("Indicator %(n)d has no code.") % {"n": position + 1})
        elif len(code) > 20:
            errors.append(
                _("Indicator code %(code)s is longer than 20 characters.")
                % {"code": code}
            )
        elif code in codes:
            errors.append(_("Indicator code %(code)s is used twice.") % {"code": code})
        codes.add(code)
        name = str(row.get("name") or "").strip()
        if not name:
            errors.append(_("Indicator %(code)s has no name.") % {"code": label})
        weight = _decimal(row.get("weight"), _("The weight of %s") % label, errors)
        if weight is not None and not (0 < weight <= 100):
            errors.append(
                _("The weight of %(code)s must be more than 0 and at most 100.")
                % {"code": label}
            )
        kind = row.get("kind") or IndicatorKind.SUBJECTIVE
        if kind not in IndicatorKind.values:
            errors.append(
                _("Indicator %(code)s: the kind must be objective or subjective.")
                % {"code": label}
            )
        metric = row.get("metric") or ""
        target = row.get("target")
        if target in ("", None):
            target = None
        else:
            target_value = _decimal(target, _("The target of %s") % label, errors)
            if target_value is not None and target_value <= 0:
                errors.append(
                    _("The target of %(code)s must be more than 0.") % {"code": label}
                )
            target = float(target_value) if target_value is not None else None
        parent = row.get("parent") or None
        anchors = row.get("anchors") or {}
        if not isinstance(anchors, dict) or any(
            key not in ANCHOR_SCORES or not isinstance(text, str) or len(text) > 200
            for key, text in anchors.items()
        ):
            errors.append(
                _(
                    "Indicator %(code)s: anchors map 90, 75 or 60 to a text of at "
                    "most 200 characters."
                )
                % {"code": label}
            )
            anchors = {}
        clean.append(
            {
                "code": code,
                "name": name,
                "name_en": str(row.get("name_en") or "").strip(),
                "weight": weight,
                "kind": kind,
                "metric": metric,
                "target": target,
                "parent": str(parent) if parent is not None else None,
                "position": row.get("position", position),
                "anchors": {k: v.strip() for k, v in anchors.items() if v.strip()},
            }
        )
    if errors:
        raise ValidationError({"indicators": errors})

    for row in clean:
        if row["parent"] is not None and row["parent"] not in codes:
            errors.append(
                _("Indicator %(code)s names an unknown parent %(parent)s.") % row
            )
    parents = {row["parent"] for row in clean}
    allowed_metrics = scoring.METRICS_BY_SUBJECT[subject_type]
    for row in clean:
        is_leaf = row["code"] not in parents
        if not is_leaf:
            if row["kind"] == IndicatorKind.OBJECTIVE or row["metric"]:
                errors.append(
                    _(
                        "Indicator %(code)s has sub-indicators, so it is scored from "
                        "them: it cannot be objective nor have a metric."
                    )
                    % row
                )
        elif row["kind"] == IndicatorKind.OBJECTIVE:
            if row["metric"] not in allowed_metrics:
                errors.append(
                    _(
                        "Objective indicator %(code)s needs a metric, one of: "
                        "%(metrics)s."
                    )
                    % {"code": row["code"], "metrics": ", ".join(allowed_metrics)}
                )
        elif row["metric"]:
            errors.append(
                _("Subjective indicator %(code)s is rated; it has no metric.") % row
            )
    if errors:
        raise ValidationError({"indicators": errors})
    specs = [
        scoring.IndicatorSpec(code=r["code"], weight=r["weight"], parent=r["parent"])
        for r in clean
    ]
    looped = scoring.cycle_in_tree(specs)
    if looped:
        raise ValidationError(
            {
                "indicators": [
                    _("Indicator %(code)s is its own ancestor.") % {"code": looped}
                ]
            }
        )
    names = {r["code"]: r["name"] for r in clean}
    for parent, total in scoring.weight_errors(specs):
        if parent is None:
            message = _(
                "The weights of the top-level indicators add up to %(total)s, not 100."
            ) % {"total": _number(total)}
        else:
            message = _(
                "The weights of the indicators under %(code)s %(name)s add up to "
                "%(total)s, not 100."
            ) % {"code": parent, "name": names[parent], "total": _number(total)}
        errors.append(message)
    if errors:
        raise ValidationError({"indicators": errors})
    return clean


def _clean_rater_weights(subject_type: str, weights: dict) -> dict[str, Decimal]:
    errors: list[str] = []
    allowed = scoring.RATER_ROLES_BY_SUBJECT[subject_type]
    clean: dict[str, Decimal] = {}
    for role, value in (weights or {}).items():
        if role not in allowed:
            errors.append(
                _("%(role)s cannot rate this kind of subject; use: %(roles)s.")
                % {"role": role, "roles": ", ".join(allowed)}
            )
            continue
        number = _decimal(value, _("The weight of %s") % role, errors)
        if number is not None and not (0 <= number <= 100):
            errors.append(
                _("The weight of %(role)s must be between 0 and 100.") % {"role": role}
            )
        if number is not None:
            clean[role] = number
    if not errors:
        total = sum(clean.values(), Decimal(0))
        if total != 100:
            errors.append(
                _("The rater weights add up to %(total)s, not 100.")
                % {"total": _number(total)}
            )
    if errors:
        raise ValidationError({"rater_weights": errors})
    return clean


def _number(value: Decimal) -> str:
    return scoring.plain_number(value)


def _cycles_using(framework: Framework):
    return EvaluationCycle.objects.filter(
        Q(framework=framework)
        | Q(team_framework=framework)
        | Q(school_framework=framework)
    )


def _in_use(framework: Framework) -> bool:
    """Used by a cycle past draft: changing it would change results."""
    return _cycles_using(framework).exclude(status=CycleStatus.DRAFT).exists()


def _write_tree(
    framework: Framework, rows: list[dict], weights: dict[str, Decimal]
) -> None:
    framework.indicators.all().delete()
    framework.rater_weights.all().delete()
    by_code: dict[str, Indicator] = {}
    pending = list(rows)
    # Parents first: a row is created once its parent exists.
    while pending:
        rest = []
        for row in pending:
            if row["parent"] is not None and row["parent"] not in by_code:
                rest.append(row)
                continue
            indicator = Indicator(
                framework=framework,
                parent=by_code.get(row["parent"]) if row["parent"] else None,
                code=row["code"],
                name=row["name"],
                name_en=row["name_en"],
                weight=row["weight"],
                kind=row["kind"],
                metric=row["metric"],
                target=row["target"],
                position=row["position"],
                anchors=row.get("anchors") or {},
            )
            indicator.full_clean(exclude=["framework", "parent"])
            indicator.save()
            by_code[row["code"]] = indicator
        pending = rest
    RaterWeight.objects.bulk_create(
        RaterWeight(framework=framework, role=role, weight=weight)
        for role, weight in weights.items()
    )


def _set_default(framework: Framework) -> None:
    Framework.objects.filter(
        subject_type=framework.subject_type, is_default=True
    ).exclude(pk=framework.pk).update(is_default=False)


@transaction.atomic
def framework_create(
    *,
    user,
    name: str,
    subject_type: str = SubjectType.TEACHER,
    indicators: list[dict],
    rater_weights: dict,
    description: str = "",
    is_default: bool = False,
    county: County | None = None,
) -> Framework:
    """A new framework owned by ``county``, or by the programme when an admin
    gives no county. A coordinator's framework belongs to a county they
    coordinate (the only one, unless they name it)."""
    FRAMEWORK.check(user, "create")
    _require(
        not is_default or user.is_admin, _("Only an admin sets the default framework.")
    )
    if county is None and not user.is_admin:
        own = list(user.counties.all()[:2])
        if len(own) != 1:
            raise ValidationError(
                {"county": [_("Choose the county that owns the framework.")]}
            )
        county = own[0]
    if county is not None and not manages_county(user, county.pk):
        raise ValidationError({"county": [_("Choose a county you coordinate.")]})
    if is_default and county is not None:
        raise ValidationError(
            {"is_default": [_("Only a framework of the programme can be a default.")]}
        )
    if subject_type not in SubjectType.values:
        raise ValidationError({"subject_type": [_("Unknown kind of subject.")]})
    rows = _clean_indicators(subject_type, indicators)
    weights = _clean_rater_weights(subject_type, rater_weights)
    framework = Framework(
        name=name,
        description=description,
        subject_type=subject_type,
        county=county,
        is_default=False,
    )
    framework.full_clean()
    framework.save()
    _write_tree(framework, rows, weights)
    if is_default:
        _set_default(framework)
        framework.is_default = True
        framework.save(update_fields=["is_default"])
    return framework


@transaction.atomic
def framework_update(
    *,
    user,
    framework: Framework,
    name: str | None = None,
    description: str | None = None,
    indicators: list[dict] | None = None,
    rater_weights: dict | None = None,
    is_default: bool | None = None,
) -> Framework:
    """Change a framework no open or closed cycle uses (409 otherwise: results
    computed with it must not change under their readers). Only whether it is the
    default may change while it is used."""
    FRAMEWORK.check(user, "update", framework)
    _require(
        user.is_admin or not is_default, _("Only an admin sets the default framework.")
    )
    framework = Framework.objects.select_for_update().get(pk=framework.pk)
    edits = (name, description, indicators, rater_weights)
    if any(edit is not None for edit in edits) and _in_use(framework):
        raise TransitionNotAllowed(
            _("framework"),
            "in_use",
            _("in use by an open or closed cycle"),
            _("change"),
        )
    if is_default and framework.county_id is not None:
        raise ValidationError(
            {"is_default": [_("Only a framework of the programme can be a default.")]}
        )
    update_fields = ["updated_at"]
    if name is not None:
        framework.name = name
        update_fields.append("name")
    if description is not None:
        framework.description = description
        update_fields.append("description")
    framework.full_clean()
    if indicators is not None or rater_weights is not None:
        rows = _clean_indicators(
            framework.subject_type,
            indicators if indicators is not None else _rows_of(framework),
        )
        weights = _clean_rater_weights(
            framework.subject_type,
            rater_weights
            if rater_weights is not None
            else {w.role: w.weight for w in framework.rater_weights.all()},
        )
        _write_tree(framework, rows, weights)
    if is_default is not None and is_default != framework.is_default:
        if is_default:
            _set_default(framework)
        framework.is_default = is_default
        update_fields.append("is_default")
    framework.save(update_fields=update_fields)
    return framework


@transaction.atomic
def framework_delete(*, user, framework: Framework) -> None:
    FRAMEWORK.check(user, "delete", framework)
    if _cycles_using(framework).exists():
        raise TransitionNotAllowed(
            _("framework"), "in_use", _("used by a cycle"), _("delete")
        )
    framework.delete()


def framework_rows(framework: Framework) -> list[dict]:
    """The indicator tree as the flat rows :func:`framework_create` takes."""
    return _rows_of(framework)


def _rows_of(framework: Framework) -> list[dict]:
    return [
        {
            "code": i.code,
            "name": i.name,
            "name_en": i.name_en,
            "weight": i.weight,
            "kind": i.kind,
            "metric": i.metric,
            "target": i.target,
            "parent": i.parent.code if i.parent_id else None,
            "position": i.position,
            "anchors": dict(i.anchors or {}),
        }
        for i in framework.indicators.select_related("parent")
    ]


def framework_specs(
    framework: Framework | None,
) -> tuple[list[scoring.IndicatorSpec], dict[str, Decimal]]:
    """The framework as plain data for :mod:`evaluations.scoring`."""
    if framework is None:
        return [], {}
    indicators = list(framework.indicators.all())
    code_of = {i.pk: i.code for i in indicators}
    specs = [
        scoring.IndicatorSpec(
            code=i.code,
            weight=i.weight,
            parent=code_of.get(i.parent_id),
            kind=i.kind,
            metric=i.metric,
            target=i.target,
        )
        for i in indicators
    ]
    weights = {w.role: w.weight for w in framework.rater_weights.all()}
    return specs, weights


# --- cycles ----------------------------------------------------------------------


def framework_for(cycle: EvaluationCycle, subject_type: str) -> Framework | None:
    if subject_type == SubjectType.TEACHER:
        return cycle.framework
    if subject_type == SubjectType.TEAM:
        return cycle.team_framework
    return cycle.school_framework


def _check_frameworks(frameworks: dict[str, Framework | None], county_id: int) -> None:
    """Each framework evaluates its kind of subject and is the programme's or the
    cycle's county's (another county's is refused without naming it)."""
    errors = {}
    fields = {
        SubjectType.TEACHER: "framework",
        SubjectType.TEAM: "team_framework",
        SubjectType.SCHOOL: "school_framework",
    }
    for subject_type, framework in frameworks.items():
        if framework is not None and framework.county_id not in (None, county_id):
            errors[fields[subject_type]] = [
                _("Choose a framework of the programme or of the cycle's county.")
            ]
        elif framework is not None and framework.subject_type != subject_type:
            errors[fields[subject_type]] = [
                _("This framework evaluates %(kind)s, not %(wanted)s.")
                % {
                    "kind": framework.get_subject_type_display(),
                    "wanted": SubjectType(subject_type).label,
                }
            ]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def cycle_create(
    *,
    user,
    county: County,
    name: str,
    start_date: dt.date,
    end_date: dt.date,
    framework: Framework | None = None,
    team_framework: Framework | None = None,
    school_framework: Framework | None = None,
) -> EvaluationCycle:
    CYCLE.check(user, "create", EvaluationCycle(county=county))
    framework = framework or Framework.objects.default_for(SubjectType.TEACHER)
    team_framework = team_framework or Framework.objects.default_for(SubjectType.TEAM)
    school_framework = school_framework or Framework.objects.default_for(
        SubjectType.SCHOOL
    )
    if framework is None:
        raise ValidationError(
            {"framework": [_("Choose a framework: there is no default one.")]}
        )
    _check_frameworks(
        {
            SubjectType.TEACHER: framework,
            SubjectType.TEAM: team_framework,
            SubjectType.SCHOOL: school_framework,
        },
        county.pk,
    )
    cycle = EvaluationCycle(
        name=name,
        county=county,
        framework=framework,
        team_framework=team_framework,
        school_framework=school_framework,
        start_date=start_date,
        end_date=end_date,
        created_by=user,
    )
    cycle.full_clean()
    cycle.save()
    return cycle


@transaction.atomic
def cycle_update(*, user, cycle: EvaluationCycle, **changes: Any) -> EvaluationCycle:
    cycle = CYCLE.lock(user, "update", cycle)
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
    _check_frameworks(
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
def cycle_open(*, user, cycle: EvaluationCycle) -> dict[str, int]:
    """``draft`` -> ``open``: an evaluation for each subject that served in the
    period (:func:`evaluations.facts.subjects_of`: teachers with an accepted or
    completed assignment overlapping it, their teams, the assisted schools with a
    need open, matched or fulfilled in it), and a rating task for each rater.
    Everyone else is not evaluated, never scored."""
    cycle = CYCLE.lock(user, "open", cycle, related=LOCK_RELATED)
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
    user,
    cycle: EvaluationCycle,
    today: dt.date | None = None,
    force: bool = False,
    reason: str = "",
) -> dict[str, int]:
    """``open`` -> ``closed``: score, grade and rank every evaluation. Refused
    (409, with the figures) while a subject is below the minimum completion of
    its ratings, unless ``force`` with a ``reason``: the results are then
    provisional (暂定) everywhere and no certificate is issued."""
    cycle = CYCLE.lock(user, "close", cycle, related=LOCK_RELATED)
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
    cycle.closed_by = user
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
    user,
    cycle: EvaluationCycle,
    action: str,
    force: bool = False,
    reason: str = "",
) -> None:
    """Check now, run later: ``open`` or ``close`` a cycle in a Celery task (for a
    big county), enqueued once the caller's transaction commits. The task calls
    the same service, which checks again; a second delivery does nothing."""

    CYCLE.check(user, action, cycle)
    cycle_id, user_id = cycle.pk, user.pk
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


# --- ratings ---------------------------------------------------------------------


def rated_indicators(evaluation: Evaluation) -> list[Indicator]:
    """The subjective leaf indicators a rater scores on this evaluation."""
    framework = framework_for(evaluation.cycle, evaluation.subject_type)
    if framework is None:
        return []
    indicators = list(framework.indicators.all())
    parents = {i.parent_id for i in indicators}
    return [
        i
        for i in indicators
        if i.pk not in parents and i.kind == IndicatorKind.SUBJECTIVE
    ]


def _score_value(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


@transaction.atomic
def rating_submit(
    *, user, rating: Rating, scores: dict[str, Any], comment: str = ""
) -> Rating:
    """A rater's scores (0-100) on every subjective indicator of their task. A
    task may be submitted again while the cycle is open; the last one counts."""
    RATING.check(user, "submit", rating)
    cycle = EvaluationCycle.objects.select_for_update().get(
        pk=rating.evaluation.cycle_id
    )
    CYCLE.check_state(cycle, "rate")
    rating = (
        Rating.objects.select_for_update()
        .select_related("evaluation__cycle")
        .get(pk=rating.pk)
    )
    indicators = rated_indicators(rating.evaluation)
    by_code = {i.code: i for i in indicators}
    framework = framework_for(rating.evaluation.cycle, rating.evaluation.subject_type)
    all_codes = (
        set(framework.indicators.values_list("code", flat=True)) if framework else set()
    )
    errors: list[str] = []
    if not isinstance(scores, dict):
        raise ValidationError(
            {"scores": [_("Give the scores as {indicator code: 0-100}.")]}
        )
    clean: dict[str, Decimal] = {}
    for code, value in scores.items():
        if code not in all_codes:
            errors.append(_("%(code)s: no such indicator.") % {"code": code})
            continue
        if code not in by_code:
            errors.append(
                _(
                    "%(code)s: this indicator is not rated (it is computed, or "
                    "scored from its sub-indicators)."
                )
                % {"code": code}
            )
            continue
        number = _score_value(value)
        if number is None:
            errors.append(_("%(code)s: give a number.") % {"code": code})
        elif not 0 <= number <= 100:
            errors.append(
                _("%(code)s: a score must be between 0 and 100.") % {"code": code}
            )
        else:
            clean[code] = scoring.to_decimal(number)
    missing = [code for code in by_code if code not in scores]
    if missing:
        errors.append(
            _("Score every rated indicator; missing: %(codes)s.")
            % {"codes": ", ".join(missing)}
        )
    if errors:
        raise ValidationError({"scores": errors})

    rating.scores.all().delete()
    RatingScore.objects.bulk_create(
        RatingScore(rating=rating, indicator=by_code[code], score=score)
        for code, score in clean.items()
    )
    rating.comment = comment or ""
    rating.status = RatingStatus.SUBMITTED
    rating.submitted_at = timezone.now()
    rating.full_clean()
    rating.save(update_fields=["comment", "status", "submitted_at"])
    return rating


# --- appeals ---------------------------------------------------------------------


def appeal_deadline(cycle: EvaluationCycle) -> dt.date | None:
    """The last day a result of the cycle may be appealed."""
    if cycle.closed_at is None:
        return None
    days = int(settings.EVALUATION_APPEAL_DAYS)
    return timezone.localdate(cycle.closed_at) + dt.timedelta(days=days)


@transaction.atomic
def appeal_create(
    *, user, evaluation: Evaluation, reason: str, today: dt.date | None = None
) -> Appeal:
    """A subject appeals their result within EVALUATION_APPEAL_DAYS after the
    cycle closed; one open appeal per result at a time."""
    EVALUATION_APPEAL.check(user, "create", evaluation)
    evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    cycle = evaluation.cycle
    if cycle.status != CycleStatus.CLOSED:
        raise TransitionNotAllowed(
            _("evaluation cycle"), cycle.status, cycle.get_status_display(), _("appeal")
        )
    deadline = appeal_deadline(cycle)
    if (today or timezone.localdate()) > deadline:
        raise TransitionNotAllowed(
            _("result"),
            "appeal_closed",
            _("past its appeal window (until %(day)s)") % {"day": deadline},
            _("appeal"),
        )
    if evaluation.appeals.filter(status=AppealStatus.OPEN).exists():
        raise TransitionNotAllowed(
            _("result"), "appealed", _("already under appeal"), _("appeal")
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why you appeal.")]})
    appeal = Appeal(evaluation=evaluation, appellant=user, reason=reason)
    appeal.full_clean()
    appeal.save()
    # An appeal waits for the coordinators' answer: e-mailed at once.
    notify(
        users=User.objects.filter(
            is_active=True, role=Role.COORDINATOR, counties=cycle.county_id
        ).order_by("pk"),
        title=_("Appeal against a result in %(cycle)s") % {"cycle": cycle.name},
        url=reverse("evaluations:results", args=[cycle.pk]),
        action_label=_("Answer the appeal"),
        kind="appeal",
    )
    return appeal


def _rerank(cycle: EvaluationCycle, subject_type: str) -> None:
    evaluations = list(cycle.evaluations.filter(subject_type=subject_type))
    ranks = scoring.competition_ranks({e.pk: e.score for e in evaluations})
    for evaluation in evaluations:
        evaluation.rank = ranks.get(evaluation.pk)
    Evaluation.objects.bulk_update(evaluations, ["rank"])


@transaction.atomic
def appeal_answer(
    *,
    user,
    appeal: Appeal,
    answer: str,
    score: Decimal | float | str | None = None,
) -> Appeal:
    """The county's coordinator answers an appeal; with ``score`` the result is
    revised (grade and ranks follow) and the change is kept in its history with
    the answer as its reason."""
    appeal = EVALUATION_APPEAL.lock(
        user, "answer", appeal, related=("evaluation__cycle",)
    )
    evaluation = appeal.evaluation
    answer = (answer or "").strip()
    errors: dict[str, list[str]] = {}
    if not answer:
        errors["answer"] = [_("Give the answer (and the reason for any revision).")]
    new_score = None
    if score not in (None, ""):
        new_score = _score_value(score)
        if new_score is None or not 0 <= new_score <= 100:
            errors["score"] = [_("A score must be between 0 and 100.")]
    if errors:
        raise ValidationError(errors)
    appeal.answer = answer
    appeal.answered_by = user
    appeal.answered_at = timezone.now()
    appeal.status = AppealStatus.ANSWERED
    appeal.previous_score = evaluation.score
    if new_score is not None:
        new_score = scoring.to_decimal(new_score)
        appeal.revised_score = new_score
        history = list(evaluation.breakdown.get("history", []))
        history.append(
            {
                "at": appeal.answered_at.isoformat(),
                "by": user.get_username(),
                "from": float(evaluation.score)
                if evaluation.score is not None
                else None,
                "to": float(new_score),
                "reason": answer,
                "appeal": appeal.pk,
            }
        )
        evaluation.breakdown = {**evaluation.breakdown, "history": history}
        evaluation.score = new_score
        evaluation.grade = scoring.grade_for(new_score, settings.EVALUATION_GRADES)
        evaluation.status = EvaluationStatus.SCORED
        evaluation.save(update_fields=["score", "grade", "status", "breakdown"])
        _rerank(evaluation.cycle, evaluation.subject_type)
    appeal.full_clean()
    appeal.save()
    # The answer is news, not a request: its e-mail waits for the daily digest.
    notify(
        users=[appeal.appellant],
        title=_("Your appeal in %(cycle)s was answered")
        % {"cycle": evaluation.cycle.name},
        url=reverse("evaluations:results", args=[evaluation.cycle_id]),
        action_label=_("See the result"),
        kind="appeal_answered",
        urgent=False,
    )
    return appeal
