from django.core.management.base import BaseCommand

from matching.models import MatchingRun
from matching.tasks import run_scheduled_matching


class Command(BaseCommand):
    help = (
        "Run matching for every county now, as the nightly schedule does (in process "
        "when REDIS_URL is unset, otherwise through the Celery workers)."
    )

    def handle(self, *args, **options):
        run_id = run_scheduled_matching()
        run = MatchingRun.objects.get(pk=run_id)
        stats = run.stats or {}
        self.stdout.write(
            f"matching run #{run.pk}: {run.status}; "
            f"proposed {stats.get('proposed', 0)}, "
            f"unmatched {stats.get('unmatched', 0)}"
        )
