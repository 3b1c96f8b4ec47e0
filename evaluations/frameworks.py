"""Evaluation frameworks: indicator trees with rater weights and anchors, owned by a
county or by the programme.

The rules its services check are in :mod:`evaluations.policies`."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.scopes import manages_county
from common.errors import TransitionNotAllowed
from common.services import model_create
from places.models import County

from . import scoring
from .models import (
    CycleStatus,
    EvaluationCycle,
    Framework,
    Indicator,
    IndicatorKind,
    RaterWeight,
    SubjectType,
)
from .policies import FRAMEWORK

# What a rater's anchors explain: the scores 90, 75 and 60.
ANCHOR_SCORES = ("90", "75", "60")


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


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


# The columns of a clean row that an indicator stores as they are.
_INDICATOR_COLUMNS = (
    "code",
    "name",
    "name_en",
    "weight",
    "kind",
    "metric",
    "target",
    "position",
)


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
                anchors=row.get("anchors") or {},
                **{name: row[name] for name in _INDICATOR_COLUMNS},
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
    actor,
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
    FRAMEWORK.check(actor, "create")
    _require(
        not is_default or actor.is_admin, _("Only an admin sets the default framework.")
    )
    if county is None and not actor.is_admin:
        own = list(actor.counties.all()[:2])
        if len(own) != 1:
            raise ValidationError(
                {"county": [_("Choose the county that owns the framework.")]}
            )
        county = own[0]
    if county is not None and not manages_county(actor, county.pk):
        raise ValidationError({"county": [_("Choose a county you coordinate.")]})
    if is_default and county is not None:
        raise ValidationError(
            {"is_default": [_("Only a framework of the programme can be a default.")]}
        )
    if subject_type not in SubjectType.values:
        raise ValidationError({"subject_type": [_("Unknown kind of subject.")]})
    rows = _clean_indicators(subject_type, indicators)
    weights = _clean_rater_weights(subject_type, rater_weights)
    framework = model_create(
        Framework,
        name=name,
        description=description,
        subject_type=subject_type,
        county=county,
        is_default=False,
    )
    _write_tree(framework, rows, weights)
    if is_default:
        _set_default(framework)
        framework.is_default = True
        framework.save(update_fields=["is_default"])
    return framework


@transaction.atomic
def framework_update(
    *,
    actor,
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
    FRAMEWORK.check(actor, "update", framework)
    _require(
        actor.is_admin or not is_default, _("Only an admin sets the default framework.")
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
def framework_delete(*, actor, framework: Framework) -> None:
    FRAMEWORK.check(actor, "delete", framework)
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


def framework_for(cycle: EvaluationCycle, subject_type: str) -> Framework | None:
    if subject_type == SubjectType.TEACHER:
        return cycle.framework
    if subject_type == SubjectType.TEAM:
        return cycle.team_framework
    return cycle.school_framework


def check_frameworks(frameworks: dict[str, Framework | None], county_id: int) -> None:
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
