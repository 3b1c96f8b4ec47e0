"""Writing a model's fields: the one create and the one update loop the services
share."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.db.models import Model

M = TypeVar("M", bound=Model)


def model_update(
    instance: Model,
    data: Mapping[str, Any],
    fields: Iterable[str],
    *,
    clean: bool = True,
    save: bool = True,
) -> list[str]:
    """Set the ``fields`` of ``instance`` that ``data`` gives and that differ, run
    ``full_clean`` (``ValidationError`` -> 400, nothing saved) and save only what
    changed (with ``updated_at`` when the model has it). Returns the changed names."""
    changed = []
    for name in fields:
        if name in data and getattr(instance, name) != data[name]:
            setattr(instance, name, data[name])
            changed.append(name)
    if clean:
        instance.full_clean()
    if changed and save:
        update_fields = list(changed)
        if any(f.name == "updated_at" for f in instance._meta.concrete_fields):
            update_fields.append("updated_at")
        instance.save(update_fields=update_fields)
    return changed


def model_create(model: type[M], **fields: Any) -> M:
    """A new ``model`` row with ``fields``, saved after ``full_clean``
    (``ValidationError`` -> 400, nothing saved)."""
    instance = model(**fields)
    instance.full_clean()
    instance.save()
    return instance
