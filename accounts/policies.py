"""Who may do what, declared once per resource.

A :class:`Policy` lists a resource's actions. Each :class:`Action` says the states
it is allowed from, the state it leads to, the roles that may take it with the scope
rule of each role, and its label. From that one declaration come:

- :meth:`Policy.check`: ``PermissionDenied`` (403) when the role or scope does not
  allow the action, ``TransitionNotAllowed`` (409) when the object's state does not;
- :meth:`Policy.allowed_actions`: the buttons a page shows and the API's ``actions``;
- :meth:`Policy.access`: the object by primary key for pages and API alike, 404
  outside the actor's visible scope (:func:`accounts.scopes.visible`), and, for a
  write, locked and checked.

Admins may take every action a role may take, on any object. The role is checked
before the state, so an actor without the right learns nothing about the state.
Policies name their models and states; this module names none, so each app declares
its own policy beside its models (``<app>/policies.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from common.errors import TransitionNotAllowed

from .models import Role
from .scopes import manages_county, visible

# A scope rule: does the actor's scope cover this object? (None: no object yet.)
Scope = Callable[[Any, Any], bool]


def anyone(actor, obj) -> bool:
    return True


def _follow(obj, path: str):
    for name in path.split("__"):
        if obj is None:
            return None
        obj = getattr(obj, name)
    return obj


# Each scope rule answers True when there is no object yet (an action on the
# collection, such as create): the role alone decides, and the service checks what
# the new object names.


def in_county(path: str) -> Scope:
    """A coordinator's counties cover the object (``path`` leads to its county id)."""
    return lambda actor, obj: obj is None or manages_county(actor, _follow(obj, path))


def own_school(path: str) -> Scope:
    """The object belongs to the actor's school (``path`` leads to the school id)."""
    return lambda actor, obj: (
        obj is None
        or (actor.school_id is not None and _follow(obj, path) == actor.school_id)
    )


def own_teacher(path: str) -> Scope:
    """The object is the actor's own as a teacher (``path`` leads to a teacher id)."""

    def scope(actor, obj) -> bool:
        if obj is None:
            return True
        teacher = getattr(actor, "teacher", None)
        return teacher is not None and _follow(obj, path) == teacher.pk

    return scope


def itself(actor, obj) -> bool:
    """The object is the actor's own user account."""
    return obj is None or obj.pk == actor.pk


# Any coordinator, for an action on a collection (create, start a run): the service
# checks that what the new object names is in the caller's counties.
ANY_COORDINATOR: dict[str, Scope] = {Role.COORDINATOR: anyone}


@dataclass(frozen=True)
class Action:
    label: Any
    roles: Mapping[str, Scope]
    # The states it is taken from: one, or a set; None: any state.
    allowed_from: frozenset[str] | str | None = None
    leads_to: str | None = None
    # A further condition on the object (a deadline passed, a flag set): falsy when
    # the action is allowed, else True, the message that explains the 409, or the
    # ``TransitionNotAllowed`` itself when the state that refuses is another
    # object's (a goal's need).
    refuse_if: Callable[[Any], bool | str | TransitionNotAllowed | None] | None = None
    # Taken by the platform as a consequence of another change, never from a button.
    system: bool = False
    # An action on the resource's collection (create): never one of an object's.
    collection: bool = False
    # Admins take it too (not an action only its owner takes, such as rating).
    admins: bool = True
    # This action's own 403 message, where the policy's does not fit it.
    refusal: Any = None

    def __post_init__(self) -> None:
        if isinstance(self.allowed_from, str):
            object.__setattr__(self, "allowed_from", frozenset({self.allowed_from}))
        elif self.allowed_from is not None:
            object.__setattr__(self, "allowed_from", frozenset(self.allowed_from))


def actor_role(actor) -> str | None:
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return None
    return Role.ADMIN if actor.is_admin else actor.role


@dataclass
class Policy:
    model: type[Model]
    actions: dict[str, Action]
    state_field: str = "status"
    # The 403 message: text, or a function of the object for a message that
    # depends on it.
    refusal: Any = field(default=_("Your role may not do this here."))

    def refusal_for(self, obj=None, action: str | None = None):
        refusal = self.refusal
        if action is not None and self.actions[action].refusal is not None:
            refusal = self.actions[action].refusal
        if isinstance(refusal, str | Promise):
            return refusal
        return refusal(obj)

    def may(self, actor, action: str, obj=None) -> bool:
        """Do the actor's role and scope allow ``action`` (whatever the state)?"""
        role = actor_role(actor)
        if role is None:
            return False
        rule = self.actions[action]
        if role == Role.ADMIN and rule.admins:
            return True
        scope = rule.roles.get(actor.role)
        return scope is not None and bool(scope(actor, obj))

    def _state_refusal(self, obj, action: str) -> bool | str | None:
        rule = self.actions[action]
        if rule.allowed_from is not None and self.state(obj) not in rule.allowed_from:
            return True
        return rule.refuse_if(obj) if rule.refuse_if is not None else None

    def state_allows(self, obj, action: str) -> bool:
        return not self._state_refusal(obj, action)

    def check_state(self, obj, action: str) -> None:
        """Raise ``TransitionNotAllowed`` (409) unless ``obj``'s state allows it."""
        refusal = self._state_refusal(obj, action)
        if isinstance(refusal, TransitionNotAllowed):
            raise refusal
        if refusal:
            raise self.refuse_state(
                obj, action, str(refusal) if isinstance(refusal, str | Promise) else ""
            )

    def state(self, obj) -> str:
        return getattr(obj, self.state_field)

    def refuse_state(self, obj, action: str, detail: str = "") -> TransitionNotAllowed:
        display = getattr(obj, f"get_{self.state_field}_display", None)
        return TransitionNotAllowed(
            obj_label=str(obj._meta.verbose_name),
            current=self.state(obj),
            current_display=str(display() if display else self.state(obj)),
            action=str(self.actions[action].label),
            detail=detail,
        )

    def check(self, actor, action: str, obj=None) -> None:
        """``PermissionDenied`` (role, scope) or ``TransitionNotAllowed`` (state)."""
        if not self.may(actor, action, obj):
            raise PermissionDenied(self.refusal_for(obj, action))
        if obj is not None:
            self.check_state(obj, action)

    def lock(self, actor, action: str, obj, *, related: Iterable[str] = ()):
        """``obj``'s row, locked and fresh, once ``actor`` may take ``action`` on it:
        role and scope first (so a refused actor learns nothing of the state), then
        the state of the locked row. ``actor=None`` is the platform itself, whose
        actions are checked for state only. Call inside a transaction."""
        if actor is not None and not self.may(actor, action, obj):
            raise PermissionDenied(self.refusal_for(obj, action))
        locked = (
            self.model._default_manager.select_for_update(of=("self",))
            .select_related(*related)
            .get(pk=obj.pk)
        )
        self.check_state(locked, action)
        return locked

    def allowed_actions(self, actor, obj) -> list[str]:
        """What ``actor`` may do with ``obj`` now, in the order declared."""
        return [
            name
            for name, rule in self.actions.items()
            if not rule.system
            and not rule.collection
            and self.may(actor, name, obj)
            and self.state_allows(obj, name)
        ]

    def visible(self, actor, queryset: QuerySet | None = None) -> QuerySet:
        if queryset is None:
            queryset = self.model._default_manager.all()
        return visible(actor, queryset)

    def access(
        self,
        actor,
        pk,
        *,
        for_write: str | None = None,
        queryset: QuerySet | None = None,
    ):
        """The object ``pk`` as ``actor`` may see it, or 404.

        With ``for_write=<action>`` the row is locked (call inside a transaction)
        and the action checked: 403 for role or scope, 409 for state."""
        queryset = self.visible(actor, queryset)
        if for_write is not None:
            queryset = queryset.select_for_update(of=("self",))
        try:
            obj = queryset.get(pk=pk)
        except (self.model.DoesNotExist, ValueError, TypeError):
            raise Http404(
                _("No %(name)s found.") % {"name": self.model._meta.verbose_name}
            ) from None
        if for_write is not None:
            self.check(actor, for_write, obj)
        return obj


def roles(names: Iterable[str], scope: Scope = anyone) -> dict[str, Scope]:
    """The same scope rule for several roles."""
    return dict.fromkeys(names, scope)


# For a DRF view-set over a resource with a Policy: the list is the policy's visible
# rows, and one object is found through Policy.access, the same call the pages make;
# ``base_queryset`` adds joins and prefetches. (A comment, not a docstring: the API
# schema describes an operation by the first docstring of its view's classes.)
class PolicyViewSetMixin:
    policy: Policy

    def base_queryset(self) -> QuerySet:
        return self.policy.model._default_manager.all()

    def get_queryset(self):
        return self.policy.visible(self.request.user, self.base_queryset())

    def get_object(self):
        key = self.lookup_url_kwarg or self.lookup_field
        obj = self.policy.access(
            self.request.user, self.kwargs[key], queryset=self.base_queryset()
        )
        self.check_object_permissions(self.request, obj)
        return obj


# The policy action a view-set's write methods take.
_WRITE_ACTIONS = {
    "create": "create",
    "update": "update",
    "partial_update": "update",
    "destroy": "delete",
}


class PolicyPermission(BasePermission):
    """DRF permission from the view-set's ``policy``: anyone signed in reads within
    scope; a write needs the policy's ``create`` (on the collection) or ``update`` /
    ``delete`` (on the object, decided once the object is found, so an object
    outside the caller's scope answers 404 before any 403)."""

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if view.action == "create":
            return self._allows(request, view, "create", None)
        return True

    def has_object_permission(self, request, view, obj) -> bool:
        action = _WRITE_ACTIONS.get(view.action)
        if request.method in SAFE_METHODS or action is None or action == "create":
            return True
        return self._allows(request, view, action, obj)

    def _allows(self, request, view, action: str, obj) -> bool:
        policy: Policy = view.policy
        if policy.may(request.user, action, obj):
            return True
        self.message = policy.refusal_for(obj, action)
        return False
