"""Background planning. The task takes an id and calls the service, which leaves a
scenario that is no longer queued alone: a task delivered twice does nothing."""

from celery import shared_task

from . import scenarios


@shared_task(name="planning.solve_scenario", acks_late=True)
def solve_scenario(scenario_id: int) -> str | None:
    scenario = scenarios.scenario_execute(scenario_id)
    return scenario.status if scenario is not None else None
