"""The nightly matching is a django-celery-beat periodic task kept in the database
(created by a migration, editable in the admin); the task fans out per county."""

from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from assist_platform.celery import app as celery_app
from matching import tasks
from matching.models import MatchingRun

from .helpers import open_need


def test_the_nightly_schedule_exists_after_migrate(db):
    # Back to before the schedule and forward again, so that the test holds even
    # on a reused database whose rows a transactional test has flushed.
    call_command("migrate", "matching", "0001", verbosity=0)
    assert not PeriodicTask.objects.filter(task="matching.run_scheduled_matching")
    call_command("migrate", "matching", verbosity=0)

    task = PeriodicTask.objects.select_related("crontab").get(
        task="matching.run_scheduled_matching"
    )
    assert task.enabled
    assert (task.crontab.minute, task.crontab.hour) == ("30", "2")
    assert task.crontab.day_of_week == task.crontab.day_of_month == "*"
    assert str(task.crontab.timezone) == "Asia/Shanghai"


def test_the_tasks_have_explicit_names_and_ack_late():
    for name in ("matching.run_matching", "matching.run_scheduled_matching"):
        assert name in celery_app.tasks
        assert celery_app.tasks[name].acks_late
    assert tasks.run_matching.name == "matching.run_matching"


def test_the_scheduled_task_runs_every_county_with_open_needs(
    world, django_capture_on_commit_callbacks
):
    open_need(world.school_a, world.ecommerce)
    open_need(world.school_b, world.accounting)

    with django_capture_on_commit_callbacks(execute=True):
        run_id = tasks.run_scheduled_matching.apply().get()

    parent = MatchingRun.objects.get(pk=run_id)
    assert parent.trigger == "schedule" and parent.county is None
    assert parent.status == "succeeded"
    counties = set(parent.children.values_list("county_id", flat=True))
    assert counties == {world.county_a.pk, world.county_b.pk}  # not 溧阳, no needs
    assert parent.stats["proposed"] == 2


def test_a_task_delivered_twice_does_no_harm(world):
    open_need(world.school_a, world.ecommerce)
    run = MatchingRun.objects.create(county=world.county_a)
    assert tasks.run_matching.apply(args=[run.pk]).get() == "succeeded"
    assert tasks.run_matching.apply(args=[run.pk]).get() == "succeeded"
    assert run.assignments.count() == 1
    assert tasks.run_matching.apply(args=[987654]).get() is None
