"""The recovery sweep as a django-celery-beat periodic task, every five minutes
(editable in the admin under "Periodic tasks"): it ends runs whose worker died and
re-runs their scope, and sends again runs whose message never reached a worker
(``matching.runs.matching_runs_recover``)."""

from django.db import migrations
from django.utils import timezone

TASK_NAME = "Matching recovery sweep"


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    every_five, _ = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": "matching.recover_runs",
            "interval": every_five,
            "enabled": True,
            "description": "Ends matching runs whose worker was lost and starts "
            "them again; sends again runs whose message never reached a worker.",
        },
    )
    PeriodicTasks.objects.update_or_create(
        ident=1, defaults={"last_update": timezone.now()}
    )


def remove_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0005_live_pair_index_teacher_first"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
