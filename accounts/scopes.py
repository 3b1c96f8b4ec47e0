"""The one place that decides which objects a user may see.

Every view, API list, export and filter choice goes through :func:`visible`. A rule is
a function of the user that returns a ``Q`` over the model; an object outside it does
not exist for that user (404), whatever the verb. Admins see everything; a user with
no rule for a model, or an inactive user, sees nothing.

Roles and scopes:
- coordinator: the counties in ``user.counties``;
- school_staff: ``user.school`` (an assisted school) and what concerns it;
- teacher: ``user.teacher`` (their own record), their assignments and what those touch.
"""

from collections.abc import Callable

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import BooleanField, Case, Model, Q, QuerySet, Value, When
from django.db.models.constants import LOOKUP_SEP

from .models import Role

Rule = Callable[[object], Q]
NOTHING = Q(pk__in=[])


def _county_ids(user) -> list[int]:
    cached = getattr(user, "_scope_county_ids", None)
    if cached is None:
        cached = list(user.counties.values_list("id", flat=True))
        user._scope_county_ids = cached
    return cached


def _school_county_id(user) -> int | None:
    return user.school.county_id if user.school_id else None


def _teacher_id(user) -> int | None:
    teacher = getattr(user, "teacher", None)
    return teacher.pk if teacher is not None else None


def _teacher_county_id(user) -> int | None:
    teacher = getattr(user, "teacher", None)
    return teacher.county_id if teacher is not None else None


def _linked_rule(path: str, user_id_of: Callable[[object], int | None]) -> Rule:
    """Objects whose ``path`` is the id ``user_id_of`` finds on the user (their
    teacher record, school, county); nothing when the user has none."""

    def rule(user) -> Q:
        linked_id = user_id_of(user)
        return Q(**{path: linked_id}) if linked_id else NOTHING

    return rule


def _teacher_rule(path: str) -> Rule:
    """Objects linked to the user's own teacher record through ``path``."""
    return _linked_rule(path, _teacher_id)


def _county_rule(path: str) -> Rule:
    return lambda user: Q(**{f"{path}__in": _county_ids(user)})


def _school_rule(path: str) -> Rule:
    return _linked_rule(path, lambda user: user.school_id)


def _school_county_rule(path: str) -> Rule:
    return _linked_rule(path, _school_county_id)


def _teacher_county_rule(path: str) -> Rule:
    return _linked_rule(path, _teacher_county_id)


def _either(label: str, *rules: Rule) -> Rule:
    """Objects of model ``label`` that any of ``rules`` lets through.

    Each rule becomes its own ``pk IN (subquery)``: OR-ing rules that cross to-many
    relations in one filter makes Django LEFT JOIN all of those relations at once
    (for a teacher's schools: every need and assignment of every school times the
    teachers, 80 ms per page on the soak's data instead of under 1 ms)."""

    def rule(user) -> Q:
        model = apps.get_model(label)
        combined = NOTHING
        for each in rules:
            combined |= Q(pk__in=model._default_manager.filter(each(user)).values("pk"))
        return combined

    return rule


THREAD_ASSIGNMENT_STATUSES = ("proposed", "accepted", "completed")


def _thread_teacher_rule(need_path: str) -> Rule:
    """Rows of a need's thread, for a teacher with a live or completed assignment on
    the need (``need_path`` leads to the need; both conditions hold on one row)."""

    def rule(user) -> Q:
        teacher_id = _teacher_id(user)
        if not teacher_id:
            return NOTHING
        return Q(
            **{
                f"{need_path}assignments__teacher": teacher_id,
                f"{need_path}assignments__status__in": THREAD_ASSIGNMENT_STATUSES,
            }
        )

    return rule


_EVERYONE: Rule = lambda user: Q()  # noqa: E731

# The cycles that use a framework: for teachers, for teams, for assisted schools.
_FRAMEWORK_USES = ("cycles", "team_cycles", "school_cycles")

# model label -> role -> rule. Reference data (specialties) is visible to everyone.
RULES: dict[str, dict[str, Rule]] = {
    "places.County": {
        Role.COORDINATOR: _county_rule("id"),
        Role.SCHOOL_STAFF: _school_county_rule("id"),
        Role.TEACHER: _teacher_county_rule("id"),
    },
    "places.School": {
        Role.COORDINATOR: _county_rule("county"),
        Role.SCHOOL_STAFF: _school_rule("id"),
        Role.TEACHER: _either(
            "places.School",
            _teacher_rule("needs__assignments__teacher"),
            _teacher_rule("dispatched_teachers"),
        ),
    },
    "needs.SpecialtyFamily": {
        Role.COORDINATOR: _EVERYONE,
        Role.SCHOOL_STAFF: _EVERYONE,
        Role.TEACHER: _EVERYONE,
    },
    "needs.Specialty": {
        Role.COORDINATOR: _EVERYONE,
        Role.SCHOOL_STAFF: _EVERYONE,
        Role.TEACHER: _EVERYONE,
    },
    "needs.Need": {
        Role.COORDINATOR: _county_rule("school__county"),
        Role.SCHOOL_STAFF: _school_rule("school"),
        Role.TEACHER: _teacher_rule("assignments__teacher"),
    },
    # A need's thread: its school's staff, the county's coordinators and the teachers
    # proposed on, serving or having served the need (not those who declined or whose
    # assignment was cancelled, who still see the need itself).
    "needs.NeedComment": {
        Role.COORDINATOR: _county_rule("need__school__county"),
        Role.SCHOOL_STAFF: _school_rule("need__school"),
        Role.TEACHER: _thread_teacher_rule("need__"),
    },
    "needs.NeedCommentAttachment": {
        Role.COORDINATOR: _county_rule("comment__need__school__county"),
        Role.SCHOOL_STAFF: _school_rule("comment__need__school"),
        Role.TEACHER: _thread_teacher_rule("comment__need__"),
    },
    "teams.Teacher": {
        Role.COORDINATOR: _county_rule("county"),
        Role.SCHOOL_STAFF: _school_rule("assignments__need__school"),
        Role.TEACHER: _either(
            "teams.Teacher", _teacher_rule("id"), _teacher_rule("teams__members")
        ),
    },
    "teams.Team": {
        Role.COORDINATOR: _county_rule("county"),
        Role.SCHOOL_STAFF: _school_rule("members__assignments__need__school"),
        Role.TEACHER: _teacher_rule("members"),
    },
    "matching.Assignment": {
        Role.COORDINATOR: _county_rule("need__school__county"),
        Role.SCHOOL_STAFF: _school_rule("need__school"),
        Role.TEACHER: _teacher_rule("teacher"),
    },
    "activities.Activity": {
        Role.COORDINATOR: _county_rule("assignment__need__school__county"),
        Role.SCHOOL_STAFF: _school_rule("assignment__need__school"),
        Role.TEACHER: _teacher_rule("assignment__teacher"),
    },
    "activities.ActivityAttachment": {
        Role.COORDINATOR: _county_rule("activity__assignment__need__school__county"),
        Role.SCHOOL_STAFF: _school_rule("activity__assignment__need__school"),
        Role.TEACHER: _teacher_rule("activity__assignment__teacher"),
    },
    "matching.MatchingRun": {
        Role.COORDINATOR: _county_rule("county"),
    },
    "planning.Scenario": {
        Role.COORDINATOR: _county_rule("county"),
    },
    "planning.TeamProposal": {
        Role.COORDINATOR: _county_rule("county"),
    },
    # A framework is read by its owners (a county's coordinators; the programme's
    # are read by every coordinator, who may choose them for a cycle) and by whoever
    # may read a cycle that uses it.
    "evaluations.Framework": {
        Role.COORDINATOR: _either(
            "evaluations.Framework",
            lambda user: Q(county__isnull=True),
            _county_rule("county"),
            *(_county_rule(f"{used}__county") for used in _FRAMEWORK_USES),
        ),
        Role.SCHOOL_STAFF: _either(
            "evaluations.Framework",
            *(_school_county_rule(f"{used}__county") for used in _FRAMEWORK_USES),
        ),
        Role.TEACHER: _either(
            "evaluations.Framework",
            *(_teacher_county_rule(f"{used}__county") for used in _FRAMEWORK_USES),
        ),
    },
    "evaluations.EvaluationCycle": {
        Role.COORDINATOR: _county_rule("county"),
        Role.SCHOOL_STAFF: _school_county_rule("county"),
        Role.TEACHER: _teacher_county_rule("county"),
    },
    "evaluations.Evaluation": {
        Role.COORDINATOR: _county_rule("cycle__county"),
        Role.SCHOOL_STAFF: _school_rule("school"),
        Role.TEACHER: _teacher_rule("teacher"),
    },
    "evaluations.Appeal": {
        Role.COORDINATOR: _county_rule("evaluation__cycle__county"),
        Role.SCHOOL_STAFF: _school_rule("evaluation__school"),
        Role.TEACHER: lambda user: (
            _teacher_rule("evaluation__teacher")(user) | Q(appellant=user)
        ),
    },
    "evaluations.Rating": {
        # Raters see their own tasks only, coordinators those of their counties.
        Role.COORDINATOR: _county_rule("evaluation__cycle__county"),
        Role.SCHOOL_STAFF: lambda user: Q(rater=user),
        Role.TEACHER: lambda user: Q(rater=user),
    },
}


def _lookups(condition: Q):
    for child in condition.children:
        if isinstance(child, Q):
            yield from _lookups(child)
        else:
            yield child[0]


def _crosses_to_many(model: type[Model], condition: Q) -> bool:
    """Whether a lookup of ``condition`` follows a to-many relation, which can
    repeat a row (a need with two teachers): such a rule filters by id instead."""
    for lookup in _lookups(condition):
        current = model
        for name in lookup.split(LOOKUP_SEP):
            try:
                field = current._meta.get_field(name)
            except FieldDoesNotExist:
                break  # a transform or lookup (``in``, ``isnull``): the path ended
            if field.one_to_many or field.many_to_many:
                return True
            if not field.is_relation:
                break
            current = field.related_model
    return False


def rule_for(user, model: type[Model]) -> Q:
    """The Q a queryset of ``model`` must satisfy for ``user``."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NOTHING
    if user.is_admin:
        return Q()
    role_rules = RULES.get(model._meta.label, {})
    rule = role_rules.get(user.role)
    return rule(user) if rule is not None else NOTHING


def visible(user, queryset: QuerySet) -> QuerySet:
    """Restrict ``queryset`` to the rows ``user`` may see."""
    model = queryset.model
    condition = rule_for(user, model)
    if not condition:  # Q() means everything
        return queryset
    if _crosses_to_many(model, condition):
        ids = model._default_manager.filter(condition).values("pk")
        return queryset.filter(pk__in=ids)
    return queryset.filter(condition)


def thread_needs(user, queryset: QuerySet) -> QuerySet:
    """The needs of ``queryset`` whose thread ``user`` may read and write: those the
    user sees, less, for a teacher, the needs they declined or were cancelled on."""
    queryset = visible(user, queryset)
    if user.is_authenticated and user.is_teacher and not user.is_admin:
        queryset = queryset.filter(
            pk__in=queryset.model._default_manager.filter(
                _thread_teacher_rule("")(user)
            ).values("pk")
        )
    return queryset


# -- accounts of the people a coordinator looks after -----------------------------
# A coordinator creates and helps (a new one-time link, a temporary password) the
# accounts of the dispatched teachers stationed in their counties and of the staff
# of their counties' schools; never another coordinator's or an admin's. Admins do
# the same for every such account.
MANAGED_ROLES = (Role.TEACHER, Role.SCHOOL_STAFF)


def managed_accounts(user, queryset: QuerySet) -> QuerySet:
    """The teacher and school-staff accounts of ``queryset`` that ``user`` manages."""
    if user is None or not user.is_authenticated or not user.is_active:
        return queryset.none()
    queryset = queryset.filter(role__in=MANAGED_ROLES)
    if user.is_admin:
        return queryset
    if not user.is_coordinator:
        return queryset.none()
    counties = _county_ids(user)
    return queryset.filter(
        Q(role=Role.SCHOOL_STAFF, school__county__in=counties)
        | Q(role=Role.TEACHER, teacher__county__in=counties)
    )


def manages_account(user, account: Model) -> bool:
    return managed_accounts(
        user, type(account)._default_manager.filter(pk=account.pk)
    ).exists()


def can_see(user, obj: Model) -> bool:
    return visible(user, type(obj)._default_manager.filter(pk=obj.pk)).exists()


def manages_county(user, county_id: int | None) -> bool:
    """True for an admin, or a coordinator whose scope includes the county."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_admin:
        return True
    return user.is_coordinator and county_id in _county_ids(user)


# -- contact details ----------------------------------------------------------------
# Who may see a teacher's phone and e-mail (DESIGN section 4): the teacher, the
# coordinators of the teacher's county, the admins, and the staff of a school the
# teacher serves on an accepted assignment -- a proposal is not enough, nor an
# assignment that has ended. The API, the pages and every export ask
# ``with_teacher_contact`` (lists) or ``sees_teacher_contact`` (one teacher).
_ACCEPTED = "accepted"  # matching.AssignmentStatus.ACCEPTED (an app above this one)

TEACHER_CONTACT_RULES: dict[str, Rule] = {
    Role.COORDINATOR: _county_rule("county"),
    # One filter() on the to-many relation: school and status of the SAME assignment.
    Role.SCHOOL_STAFF: lambda user: (
        Q(assignments__need__school=user.school_id, assignments__status=_ACCEPTED)
        if user.school_id
        else NOTHING
    ),
    Role.TEACHER: _teacher_rule("id"),
}


def _teacher_contact_rule(user) -> Q:
    if user is None or not user.is_authenticated or not user.is_active:
        return NOTHING
    if user.is_admin:
        return Q()
    rule = TEACHER_CONTACT_RULES.get(user.role)
    return rule(user) if rule is not None else NOTHING


def with_teacher_contact(user, queryset: QuerySet) -> QuerySet:
    """Teachers annotated with ``contact_visible``: whether ``user`` may see their
    phone and e-mail (one subquery, whatever the number of rows)."""
    condition = _teacher_contact_rule(user)
    if not condition:  # Q() means every teacher
        return queryset.annotate(contact_visible=Value(True))
    if condition == NOTHING:
        return queryset.annotate(contact_visible=Value(False))
    ids = queryset.model._default_manager.filter(condition).values("pk")
    return queryset.annotate(
        contact_visible=Case(
            When(pk__in=ids, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def mark_teacher_contact(user, teachers: list) -> None:
    """Set ``contact_visible`` on each of ``teachers`` (model instances) with one
    query, so that :func:`sees_teacher_contact` asks nothing more about them."""
    if not teachers:
        return
    queryset = type(teachers[0])._default_manager.filter(
        pk__in={teacher.pk for teacher in teachers}
    )
    visible_ids = set(
        with_teacher_contact(user, queryset)
        .filter(contact_visible=True)
        .values_list("pk", flat=True)
    )
    for teacher in teachers:
        teacher.contact_visible = teacher.pk in visible_ids


def sees_teacher_contact(user, teacher: Model) -> bool:
    """Whether ``user`` may see this teacher's phone and e-mail."""
    known = getattr(teacher, "contact_visible", None)
    if known is not None:
        return bool(known)
    queryset = type(teacher)._default_manager.filter(pk=teacher.pk)
    return bool(
        with_teacher_contact(user, queryset)
        .values_list("contact_visible", flat=True)
        .first()
    )


def sees_school_contact(user, school_id: int | None) -> bool:
    """Whether ``user`` may see the contact details of a school's staff: admins, the
    county's coordinators, the school's own staff, and a teacher who serves the
    school on an accepted assignment (the mirror of the teacher contact policy)."""
    if user is None or not user.is_authenticated or not user.is_active or not school_id:
        return False
    if user.is_admin:
        return True
    if user.is_coordinator:
        school_model = apps.get_model("needs", "School")
        county_id = (
            school_model.objects.filter(pk=school_id)
            .values_list("county_id", flat=True)
            .first()
        )
        return manages_county(user, county_id)
    if user.is_school_staff:
        return user.school_id == school_id
    teacher_id = _teacher_id(user)
    if user.is_teacher and teacher_id:
        assignment_model = apps.get_model("matching", "Assignment")
        return assignment_model.objects.filter(
            teacher_id=teacher_id, need__school_id=school_id, status=_ACCEPTED
        ).exists()
    return False


def school_contacts(school_id: int) -> list:
    """The school's active staff accounts: the people a teacher gets in touch with."""
    user_model = apps.get_model("accounts", "User")
    return list(
        user_model.objects.filter(
            school_id=school_id, role=Role.SCHOOL_STAFF, is_active=True
        ).order_by("id")
    )
