"""Labels for what the evaluation system stores as codes: grades, flags, roles."""

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import Metric, RaterRole

register = template.Library()

GRADE_LABELS = {
    "优秀": gettext_lazy("Excellent"),
    "良好": gettext_lazy("Good"),
    "合格": gettext_lazy("Pass"),
    "不合格": gettext_lazy("Fail"),
}


@register.filter
def grade_label(grade: str) -> str:
    """The grade in the interface language (the stored grade is the setting's)."""
    return str(GRADE_LABELS.get(grade, grade)) if grade else ""


@register.filter
def result_grade(evaluation) -> str:
    """The grade of a result, marked provisional (暂定) when its cycle closed
    below the minimum completion of ratings."""
    label = grade_label(evaluation.grade)
    if label and evaluation.cycle.provisional:
        return _("%(grade)s (provisional)") % {"grade": label}
    return label


@register.filter
def role_label(role: str) -> str:
    return str(RaterRole(role).label) if role in RaterRole.values else role


@register.filter
def metric_label(metric: str) -> str:
    return str(Metric(metric).label) if metric in Metric.values else metric


@register.filter
def flag_label(flag: str) -> str:
    kind, _sep, detail = flag.partition(":")
    if kind == "missing_rater":
        return _("No rating from: %(role)s (its weight was spread)") % {
            "role": role_label(detail)
        }
    if kind == "no_data":
        return _("No data for %(code)s (its weight was spread)") % {"code": detail}
    return flag


@register.filter
def indent(level: int) -> str:
    """The class that indents a row of an indicator tree by its level (the
    Content-Security-Policy allows no inline style; see static/css/app.css)."""
    return f"indent-{min(max(int(level or 0), 0), 6)}"


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None


_BASIS = {
    "hours_taught": gettext_lazy("%(hours)s hours in %(activities)s activities"),
    "local_teachers_trained": gettext_lazy(
        "%(teachers)s local teachers reached in %(activities)s activities"
    ),
    "needs_fulfilled": gettext_lazy(
        "%(done)s of %(due)s needs due were done; %(running)s still running "
        "(not counted)"
    ),
    "goals_met": gettext_lazy(
        "%(goals)s plan goals, %(confirmed)s confirmed: %(met)s met, %(partly)s "
        "partly met, %(not_met)s not met; %(waiting)s marks waiting for "
        "confirmation (not counted)"
    ),
    "activity_regularity": gettext_lazy(
        "activities in %(active_weeks)s of %(weeks)s weeks of service"
    ),
    "confirmation_speed": gettext_lazy("%(needs)s needs ended in the period"),
    "rating_participation": gettext_lazy("%(done)s of %(tasks)s rating tasks done"),
    "need_quality": gettext_lazy(
        "%(clean)s of %(submitted)s needs posted were never returned or rejected"
    ),
}


_GOALS_BEFORE_CONFIRMATION = gettext_lazy("%(met)s of %(goals)s plan goals met")


@register.filter
def basis_label(row: dict) -> str:
    """The data behind an objective indicator's value, in words."""
    basis = row.get("basis") if hasattr(row, "get") else None
    template_ = _BASIS.get(row.get("metric", "")) if basis else None
    if template_ is None:
        return ""
    if row.get("metric") == "goals_met" and "confirmed" not in basis:
        # Results closed before goal marks were confirmed: goals marked, met.
        template_ = _GOALS_BEFORE_CONFIRMATION
    try:
        return str(template_) % basis
    except (KeyError, TypeError, ValueError):
        return ""
