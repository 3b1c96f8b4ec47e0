"""The coordinators' morning reminders and the evening e-mail digest as
django-celery-beat periodic tasks (editable in the admin under "Periodic tasks")."""

from django.db import migrations
from django.utils import timezone

TASKS = [
    # 08:00 every day, China time: before the office day starts.
    ("Remind coordinators of waiting work", "matching.notify_waiting_coordinators", "0", "8",
     "Reminds each coordinator of needs waiting for review and proposals waiting for "
     "a decision longer than NOTIFY_WAITING_AFTER_DAYS (in the evening digest)."),
    # 18:00 every day, China time: after the office day, one e-mail per person.
    ("Daily e-mail digest", "matching.send_notification_digests", "0", "18",
     "E-mails each user one summary of the day's non-urgent notices."),
]


def create_schedules(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    for name, task, minute, hour, description in TASKS:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute,
            hour=hour,
            day_of_week="*",
            day_of_month="*",
            month_of_year="*",
            timezone="Asia/Shanghai",
        )
        PeriodicTask.objects.get_or_create(
            name=name,
            defaults={
                "task": task,
                "crontab": crontab,
                "enabled": True,
                "description": description,
            },
        )
    PeriodicTasks.objects.update_or_create(
        ident=1, defaults={"last_update": timezone.now()}
    )


def remove_schedules(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[t[0] for t in TASKS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0007_assignment_decline_cleared"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
