"""What-if scenarios: changes to a county's teachers, solved exactly without writing
any assignment.

A scenario's ``changes`` is a list of objects, each with a ``kind``:

- ``add_teachers``: ``count`` (1-50) teachers of ``specialty`` (id) at ``level``
  (1-5, default 4), stationed in ``county`` (default: the scenario's), available
  ``start_date`` to ``end_date``, with ``capacity`` (1-5, default 1);
- ``remove_teachers``: ``teachers`` (ids) leave (deactivated, gone home);
- ``set_capacity``: ``teacher`` (id) serves ``capacity`` (0-5) needs at once;
- ``allow_neighbours``: teachers of neighbouring counties may serve.

:func:`scenario_create` checks them (400 with messages per change and field) and
queues the task ``planning.solve_scenario``, which calls :func:`scenario_execute`:
it reads exactly what a matching run of the county would solve
(:func:`matching.pipeline.read_inputs`), solves it (the baseline), applies the
changes in memory and solves again (the projection). A task delivered twice finds
the scenario finished and does nothing.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError as FieldErrors

from accounts.scopes import manages_county
from common.services import model_create
from common.tasks import task
from matching import pipeline, solver
from matching.models import AssignmentStatus
from needs.models import Need, Specialty
from places.models import County, School
from teams.models import Teacher

from . import problem
from .models import Scenario, ScenarioStatus
from .policies import SCENARIO

logger = logging.getLogger(__name__)

KINDS = ("add_teachers", "remove_teachers", "set_capacity", "allow_neighbours")
LIVE = (AssignmentStatus.PROPOSED, AssignmentStatus.ACCEPTED)


def _int(change: dict, name: str, low: int, high: int, errors: dict, default=None):
    value = change.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | str):
        value = None
    try:
        value = int(value) if value is not None else None
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        errors[name] = [
            _("Give a whole number from %(low)d to %(high)d.")
            % {"low": low, "high": high}
        ]
    return value


def _date(change: dict, name: str, errors: dict) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(change.get(name, "")))
    except ValueError:
        errors[name] = [_("Give a date as YYYY-MM-DD.")]
        return None


def _reach(county: County, allow_neighbours: bool) -> set[int]:
    reach = {county.pk}
    if allow_neighbours:
        reach |= set(county.neighbours.values_list("id", flat=True))
    return reach


def clean_changes(county: County, changes) -> list[dict]:
    """The changes in their stored form, or ``ValidationError`` naming each bad one
    by its position: ``{"changes": {"0": {"specialty": [...]}}}``."""
    if not isinstance(changes, list) or not changes:
        raise ValidationError({"changes": [_("List at least one change.")]})
    if len(changes) > 50:
        raise ValidationError({"changes": [_("At most 50 changes.")]})
    neighbours = any(
        isinstance(c, dict) and c.get("kind") == "allow_neighbours" for c in changes
    )
    reach = _reach(county, neighbours)
    cleaned, problems = [], {}
    for index, change in enumerate(changes):
        errors: dict[str, list] = {}
        if not isinstance(change, dict) or change.get("kind") not in KINDS:
            problems[str(index)] = {
                "kind": [_("Choose one of: %(kinds)s.") % {"kinds": ", ".join(KINDS)}]
            }
            continue
        kind = change["kind"]
        out: dict = {"kind": kind}
        if kind == "add_teachers":
            out["count"] = _int(change, "count", 1, 50, errors, 1)
            out["level"] = _int(change, "level", 1, 5, errors, 4)
            out["capacity"] = _int(change, "capacity", 1, 5, errors, 1)
            specialty = Specialty.objects.filter(
                pk=_int(change, "specialty", 1, 2**31, errors)
            ).first()
            if specialty is None and "specialty" not in errors:
                errors["specialty"] = [_("No such specialty.")]
            out["specialty"] = specialty.pk if specialty else None
            station = _int(change, "county", 1, 2**31, errors, county.pk)
            if station is not None and station not in reach:
                errors["county"] = [
                    _("Station them in this county (or a neighbour, when allowed).")
                ]
            out["county"] = station
            start, end = (
                _date(change, "start_date", errors),
                _date(change, "end_date", errors),
            )
            if start and end and end < start:
                errors["end_date"] = [_("The end comes before the start.")]
            out["start_date"] = start.isoformat() if start else None
            out["end_date"] = end.isoformat() if end else None
        elif kind == "remove_teachers":
            ids = change.get("teachers")
            if (
                not isinstance(ids, list)
                or not ids
                or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids)
            ):
                errors["teachers"] = [_("List the teachers' ids.")]
            else:
                found = set(
                    Teacher.objects.filter(pk__in=ids, county__in=reach).values_list(
                        "id", flat=True
                    )
                )
                missing = sorted(set(ids) - found)
                if missing:
                    errors["teachers"] = [
                        _("Not teachers of this county: %(ids)s.")
                        % {"ids": ", ".join(map(str, missing))}
                    ]
                out["teachers"] = sorted(set(ids))
        elif kind == "set_capacity":
            teacher = _int(change, "teacher", 1, 2**31, errors)
            if (
                teacher is not None
                and not Teacher.objects.filter(pk=teacher, county__in=reach).exists()
            ):
                errors["teacher"] = [_("Not a teacher of this county.")]
            out["teacher"] = teacher
            out["capacity"] = _int(change, "capacity", 0, 5, errors)
        if errors:
            problems[str(index)] = errors
        cleaned.append(out)
    if problems:
        # Messages per change (by position) and per field: nested, as DRF's own.
        raise FieldErrors({"changes": problems})
    return cleaned


def _send(scenario_id: int) -> None:
    task("planning.solve_scenario").delay(scenario_id)


@transaction.atomic
def scenario_create(*, actor, county: County, name: str, changes) -> Scenario:
    """Record a scenario of ``county`` (one the actor coordinates) and queue it."""
    SCENARIO.check(actor, "create")
    if not manages_county(actor, county.pk):
        raise PermissionDenied(_("You do not coordinate this county."))
    cleaned = clean_changes(county, changes)
    scenario = model_create(
        Scenario,
        name=(name or "").strip() or _("Scenario"),
        county=county,
        changes=cleaned,
        created_by=actor,
    )
    transaction.on_commit(functools.partial(_send, scenario.pk))
    return scenario


def apply_changes(inputs: pipeline.Inputs, changes: list[dict]) -> pipeline.Inputs:
    """``inputs`` (read with neighbours when a change allows them) as changed."""
    specialties = {
        s.pk: s
        for s in Specialty.objects.filter(
            pk__in=[c["specialty"] for c in changes if c["kind"] == "add_teachers"]
        )
    }
    gone = [t for c in changes if c["kind"] == "remove_teachers" for t in c["teachers"]]
    capacities = {
        c["teacher"]: c["capacity"] for c in changes if c["kind"] == "set_capacity"
    }
    if capacities:
        live = dict(
            Teacher.objects.filter(pk__in=capacities)
            .annotate(live=Count("assignments", filter=Q(assignments__status__in=LIVE)))
            .values_list("id", "live")
        )
        inputs = problem.with_free_capacity(
            inputs, {t: cap - live.get(t, 0) for t, cap in capacities.items()}
        )
    inputs = problem.without_teachers(inputs, gone)
    recruits = []
    for change in changes:
        if change["kind"] != "add_teachers":
            continue
        specialty = specialties[change["specialty"]]
        for _i in range(change["count"]):
            recruits.append(
                problem.Recruit(
                    id=-1 - len(recruits),
                    county=change["county"],
                    specialty=specialty.pk,
                    family=specialty.family_id,
                    klass=specialty.specialty_class_id or -1,
                    level=change["level"],
                    start=problem.day(dt.date.fromisoformat(change["start_date"])),
                    end=problem.day(dt.date.fromisoformat(change["end_date"])),
                    capacity=change["capacity"],
                )
            )
    return problem.with_recruits(inputs, recruits)


def _rows(baseline: dict[int, int], projected: dict[int, int], open_places, names):
    keys = sorted(set(open_places), key=lambda k: (names.get(k, ""), k))
    return [
        {
            "id": key,
            "name": names.get(key, str(key)),
            "open_places": int(open_places[key]),
            "baseline": baseline.get(key, 0),
            "projected": projected.get(key, 0),
            "change": projected.get(key, 0) - baseline.get(key, 0),
        }
        for key in keys
    ]


def _reasons(unmatched: dict[int, str]) -> dict[str, int]:
    counts = dict.fromkeys(solver.REASONS, 0)
    for reason in unmatched.values():
        counts[reason] += 1
    return counts


def compare(inputs: pipeline.Inputs, changed: pipeline.Inputs) -> dict:
    """Baseline and projection of one scenario, side by side."""
    base = problem.outcome(inputs, problem.solve(inputs))
    projected = problem.outcome(changed, problem.solve(changed))
    needs = inputs.needs
    open_by_school: dict[int, int] = {}
    open_by_specialty: dict[int, int] = {}
    for school, specialty, head in zip(
        needs.school.tolist(),
        needs.specialty.tolist(),
        needs.headcount.tolist(),
        strict=True,
    ):
        open_by_school[school] = open_by_school.get(school, 0) + head
        open_by_specialty[specialty] = open_by_specialty.get(specialty, 0) + head
    school_names = dict(
        School.objects.filter(pk__in=open_by_school).values_list("id", "name")
    )
    specialty_names = {
        pk: f"{code} {name}"
        for pk, code, name in Specialty.objects.filter(
            pk__in=open_by_specialty
        ).values_list("id", "code", "name")
    }
    titles = dict(
        Need.objects.filter(pk__in=list(projected.unmatched)).values_list("id", "title")
    )
    return {
        "open_places": int(needs.headcount.sum()),
        "baseline": base.figures(),
        "projected": projected.figures(),
        "by_school": _rows(
            base.places_by_school,
            projected.places_by_school,
            open_by_school,
            school_names,
        ),
        "by_specialty": _rows(
            base.places_by_specialty,
            projected.places_by_specialty,
            open_by_specialty,
            specialty_names,
        ),
        "reasons": {
            "baseline": _reasons(base.unmatched),
            "projected": _reasons(projected.unmatched),
        },
        "unmatched": [
            {"need": need, "title": titles.get(need, ""), "reason": reason}
            for need, reason in sorted(projected.unmatched.items())
        ],
    }


def scenario_execute(scenario_id: int) -> Scenario | None:
    """Solve a queued scenario (see the module docstring); return it."""
    claimed = Scenario.objects.filter(
        pk=scenario_id, status=ScenarioStatus.QUEUED
    ).update(status=ScenarioStatus.RUNNING, started_at=timezone.now(), progress=10)
    scenario = Scenario.objects.filter(pk=scenario_id).first()
    if not claimed or scenario is None:
        return scenario
    try:
        neighbours = any(c["kind"] == "allow_neighbours" for c in scenario.changes)
        inputs = pipeline.read_inputs([scenario.county_id])
        changed_base = (
            pipeline.read_inputs([scenario.county_id], allow_neighbours=True)
            if neighbours
            else inputs
        )
        Scenario.objects.filter(pk=scenario_id).update(progress=40)
        result = compare(inputs, apply_changes(changed_base, scenario.changes))
        fields = {"status": ScenarioStatus.SUCCEEDED, "result": result, "error": ""}
    except Exception as exc:
        logger.exception("scenario %s failed", scenario_id)
        fields = {
            "status": ScenarioStatus.FAILED,
            "error": f"{type(exc).__name__}: {exc}"[:2000],
        }
    Scenario.objects.filter(pk=scenario_id).update(
        progress=100, finished_at=timezone.now(), **fields
    )
    scenario.refresh_from_db()
    return scenario
