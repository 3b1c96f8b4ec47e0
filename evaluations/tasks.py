"""Background work of the evaluation system. Each task takes ids, loads, and calls
the service of the same name; a cycle already past the state is left alone, so a
task delivered twice does no harm."""

from celery import shared_task
from django.contrib.auth import get_user_model

from common.errors import TransitionNotAllowed

from . import cycles
from .models import CycleStatus, EvaluationCycle


@shared_task(name="evaluations.cycle_open")
def cycle_open(cycle_id: int, user_id: int) -> dict | None:
    cycle = EvaluationCycle.objects.filter(pk=cycle_id).first()
    if cycle is None or cycle.status != CycleStatus.DRAFT:
        return None
    actor = get_user_model().objects.get(pk=user_id)
    try:
        return cycles.cycle_open(actor=actor, cycle=cycle)
    except TransitionNotAllowed:  # another delivery got there first
        return None


@shared_task(name="evaluations.cycle_close")
def cycle_close(
    cycle_id: int, user_id: int, force: bool = False, reason: str = ""
) -> dict | None:
    cycle = EvaluationCycle.objects.filter(pk=cycle_id).first()
    if cycle is None or cycle.status != CycleStatus.OPEN:
        return None
    actor = get_user_model().objects.get(pk=user_id)
    try:
        return cycles.cycle_close(actor=actor, cycle=cycle, force=force, reason=reason)
    except TransitionNotAllowed:
        return None
