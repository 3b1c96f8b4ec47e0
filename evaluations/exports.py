"""Results of a cycle as an .xlsx workbook (headers in the interface language,
Chinese by default), through the shared spreadsheet helpers."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from spreadsheets.workbooks import Column, xlsx_response

from .disclosure import breakdown_for
from .models import EvaluationCycle, RaterRole, SubjectType
from .templatetags.evaluations import flag_label, result_grade


def _top_level(evaluation) -> list[dict]:
    return [
        row
        for row in evaluation.breakdown.get("indicators", [])
        if row.get("parent") is None
    ]


def results_columns(cycle: EvaluationCycle, evaluations: list) -> list[Column]:
    columns = [
        Column("rank", pgettext_lazy("results column", "Rank"), width=8),
        Column(
            "subject_type",
            pgettext_lazy("results column", "Evaluated"),
            lambda e: SubjectType(e.subject_type).label,
            width=12,
        ),
        Column(
            "name",
            pgettext_lazy("results column", "Name"),
            lambda e: e.subject_name,
            width=24,
        ),
        Column("score", pgettext_lazy("results column", "Score"), width=10),
        Column(
            "grade",
            pgettext_lazy("results column", "Grade"),
            result_grade,
            width=10,
        ),
    ]
    # One column per top-level indicator and per rater role that appears.
    seen_codes: dict[str, str] = {}
    roles: list[str] = []
    for evaluation in evaluations:
        for row in _top_level(evaluation):
            seen_codes.setdefault(row["code"], row["name"])
        for role, info in evaluation.breakdown.get("raters", {}).items():
            if role not in roles and not info.get("hidden"):
                roles.append(role)

    def indicator_value(code):
        def value(evaluation):
            for row in _top_level(evaluation):
                if row["code"] == code:
                    return row["score"]
            return None

        return value

    def role_value(role):
        return lambda e: (e.breakdown.get("raters", {}).get(role) or {}).get("score")

    for code, name in seen_codes.items():
        columns.append(Column(f"ind_{code}", f"{code} {name}", indicator_value(code)))
    for role in roles:
        columns.append(
            Column(
                f"role_{role}",
                _("Rated by: %(role)s") % {"role": RaterRole(role).label},
                role_value(role),
            )
        )
    columns.append(
        Column(
            "team_members",
            pgettext_lazy("results column", "Members' mean score"),
            lambda e: (e.breakdown.get("roll_up") or {}).get("members_mean"),
        )
    )
    columns.append(
        Column(
            "flags",
            pgettext_lazy("results column", "Notes"),
            lambda e: "；".join(flag_label(f) for f in e.flags),
            width=40,
        )
    )
    return columns


RESULTS_TITLE = gettext_lazy("Evaluation results")


def results_response(cycle: EvaluationCycle, queryset, *, user):
    """The results ``user`` may see, with the rater figures they may see."""
    evaluations = list(queryset)
    for evaluation in evaluations:
        evaluation.breakdown = breakdown_for(user, evaluation)
    return xlsx_response(
        results_columns(cycle, evaluations),
        evaluations,
        filename=f"{RESULTS_TITLE}-{cycle.name}",
    )
