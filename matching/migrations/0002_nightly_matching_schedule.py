"""The nightly matching run as a django-celery-beat periodic task (editable in the
admin under "Periodic tasks"; beat uses the DatabaseScheduler)."""

from django.db import migrations
from django.utils import timezone

TASK_NAME = "Nightly matching (all counties)"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    # 02:30 every night, China time: after the day's reviews, before anyone works.
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="30",
        hour="2",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="Asia/Shanghai",
    )
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": "matching.run_scheduled_matching",
            "crontab": crontab,
            "enabled": True,
            "description": "Proposes teachers for the open needs of every county "
            "(one task per county). Change the time here; disable to stop it.",
        },
    )
    # Tell a running beat that the schedule changed (the admin does the same).
    PeriodicTasks.objects.update_or_create(
        ident=1, defaults={"last_update": timezone.now()}
    )


def remove_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
