"""URL declarations the apps' pages share."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django.urls import URLPattern, path


def object_actions(
    prefix: str, name: str, views: Mapping[str, Callable]
) -> list[URLPattern]:
    """The pages that each take one action on an object (the POST targets of its
    buttons): ``<prefix><action>/`` for each action, named ``name`` with the action
    in place of ``{}``. ``object_actions("needs/<int:pk>/", "{}", {"submit":
    views.need_submit})`` is ``path("needs/<int:pk>/submit/", views.need_submit,
    name="submit")``."""
    return [
        path(f"{prefix}{action}/", view, name=name.format(action))
        for action, view in views.items()
    ]
