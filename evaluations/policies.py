"""Who may do what in evaluation, and from which state::

    cycle:   draft -> open -> closed   (edited only as a draft)
    appeal:  open -> answered

The coordinators of a cycle's county run it (create, edit, open, close) and answer
its appeals; raters submit only their own rating tasks, while the cycle is open; the
one evaluated (the teacher, the school's staff, the team's leader) appeals a result.
Frameworks belong to a county (its coordinators change them) or to the programme
(only admins do). Rating and appealing are their owners' alone, admins included.

The services (:mod:`~evaluations.cycles`, :mod:`~evaluations.frameworks`,
:mod:`~evaluations.ratings`, :mod:`~evaluations.appeals`) check these rules: who may
act (``PermissionDenied`` -> 403), the state (``TransitionNotAllowed`` -> 409) and
the input (``ValidationError`` -> 400), and change nothing when they refuse.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from accounts.policies import ANY_COORDINATOR, Action, Policy, anyone, in_county
from accounts.scopes import manages_county

from .models import (
    Appeal,
    AppealStatus,
    CycleStatus,
    EvaluationCycle,
    Framework,
    Indicator,
    Rating,
    SubjectType,
)

C = CycleStatus
RUNS_CYCLES = {Role.COORDINATOR: in_county("county_id")}
RATERS = (Role.COORDINATOR, Role.SCHOOL_STAFF, Role.TEACHER)

CYCLE = Policy(
    EvaluationCycle,
    {
        # checked on the unsaved cycle, so that its county is in scope
        "create": Action(_("create"), RUNS_CYCLES, collection=True),
        "update": Action(_("edit"), RUNS_CYCLES, C.DRAFT),
        "open": Action(_("open"), RUNS_CYCLES, C.DRAFT, leads_to=C.OPEN),
        "close": Action(_("close"), RUNS_CYCLES, C.OPEN, leads_to=C.CLOSED),
        # the state in which raters rate (the rating's own rule is RATING's)
        "rate": Action(_("rate"), dict.fromkeys(RATERS, anyone), C.OPEN, system=True),
    },
    refusal=_("Only a coordinator of the county runs its evaluation cycles."),
)


def _own_task(actor, rating) -> bool:
    return rating is None or rating.rater_id == actor.pk


RATING = Policy(
    Rating,
    {
        "submit": Action(_("rate"), dict.fromkeys(RATERS, _own_task), admins=False),
    },
    refusal=_("This rating task is not yours."),
)


def is_subject(user, evaluation) -> bool:
    """Is ``user`` the one evaluated: the teacher, a staff member of the school,
    or the leader of the team."""
    if not user.is_authenticated or not user.is_active:
        return False
    if evaluation.subject_type == SubjectType.TEACHER:
        return evaluation.teacher.user_id == user.pk
    if evaluation.subject_type == SubjectType.SCHOOL:
        return user.is_school_staff and user.school_id == evaluation.school_id
    leader = evaluation.team.leader
    return leader is not None and leader.user_id == user.pk


EVALUATION_APPEAL = Policy(
    Appeal,
    {
        # on the evaluation appealed: its cycle's state and deadline are the
        # service's, which names them in its answer
        "create": Action(
            _("appeal"),
            {
                Role.TEACHER: lambda a, e: e is None or is_subject(a, e),
                Role.SCHOOL_STAFF: lambda a, e: e is None or is_subject(a, e),
            },
            collection=True,
            admins=False,
        ),
        "answer": Action(
            _("answer"),
            {Role.COORDINATOR: in_county("evaluation__cycle__county_id")},
            AppealStatus.OPEN,
            leads_to=AppealStatus.ANSWERED,
        ),
    },
    refusal=lambda obj: (
        _("Only a coordinator of the county answers appeals.")
        if isinstance(obj, Appeal)
        else _("Only the one evaluated may appeal.")
    ),
)


def _owns(actor, framework) -> bool:
    return framework is None or (
        framework.county_id is not None and manages_county(actor, framework.county_id)
    )


def _framework_refusal(framework):
    if framework is None:
        return _("Only coordinators and admins keep evaluation frameworks.")
    if framework.county_id is None:
        return _("Only an admin changes a framework of the programme.")
    return _("Only the county's coordinators and the admins change this framework.")


FRAMEWORK = Policy(
    Framework,
    {
        "create": Action(_("create"), ANY_COORDINATOR, collection=True),
        "update": Action(_("change"), {Role.COORDINATOR: _owns}),
        "delete": Action(_("delete"), {Role.COORDINATOR: _owns}),
    },
    refusal=_framework_refusal,
)


# --- finding one object, for pages and API alike -----------------------------------
# Each ``access_<resource>`` answers 404 outside the actor's scope; with
# ``for_write``, the row is locked and checked for that action (403, 409).


def cycle_rows() -> QuerySet:
    return EvaluationCycle.objects.select_related("county")


def framework_rows() -> QuerySet:
    return Framework.objects.prefetch_related(
        Prefetch("indicators", queryset=Indicator.objects.order_by("position")),
        "rater_weights",
    )


def rating_rows(rater) -> QuerySet:
    """The rating tasks given to ``rater``: a rater finds their own tasks only,
    whatever else their role may see."""
    return Rating.objects.filter(rater_id=rater.pk).select_related(
        "evaluation__cycle",
        "evaluation__teacher",
        "evaluation__team",
        "evaluation__school",
    )


def appeal_rows() -> QuerySet:
    return Appeal.objects.select_related(
        "appellant",
        "evaluation__cycle",
        "evaluation__teacher",
        "evaluation__team",
        "evaluation__school",
    )


def access_cycle(actor, pk, *, for_write: str | None = None, queryset=None):
    queryset = cycle_rows() if queryset is None else queryset
    return CYCLE.access(actor, pk, for_write=for_write, queryset=queryset)


def access_framework(actor, pk, *, for_write: str | None = None, queryset=None):
    queryset = framework_rows() if queryset is None else queryset
    return FRAMEWORK.access(actor, pk, for_write=for_write, queryset=queryset)


def access_rating(actor, pk, *, for_write: str | None = None, queryset=None):
    queryset = rating_rows(actor) if queryset is None else queryset
    return RATING.access(actor, pk, for_write=for_write, queryset=queryset)


def access_appeal(actor, pk, *, for_write: str | None = None, queryset=None):
    queryset = appeal_rows() if queryset is None else queryset
    return EVALUATION_APPEAL.access(actor, pk, for_write=for_write, queryset=queryset)
