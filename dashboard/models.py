"""Running tallies behind the dashboard's heaviest sums (see :mod:`dashboard.queries`,
"Tallies"). Rows are written only by PostgreSQL triggers (migration 0001), in the
same transaction as the writes they count, and only ever inserted: each write adds
its difference as a new row, and :func:`dashboard.tallies.compact` folds the rows
of a key into one. Not used on other databases (the figures are then counted
from the rows themselves)."""

from django.db import models


class NeedTally(models.Model):
    """Needs, places and filled places per county, state and specialty family."""

    county_id = models.BigIntegerField()
    status = models.CharField(max_length=20)
    family_id = models.BigIntegerField()
    needs = models.BigIntegerField()
    headcount = models.BigIntegerField()
    filled = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["county_id"], name="need_tally_county_idx")]

    def __str__(self) -> str:
        return f"{self.county_id}/{self.status}/{self.family_id}: {self.needs}"


class ActivityTally(models.Model):
    """Undisputed activities and their reach per county and day."""

    county_id = models.BigIntegerField()
    date = models.DateField()
    teachers = models.BigIntegerField()
    students = models.BigIntegerField()
    hours = models.DecimalField(max_digits=14, decimal_places=1)
    activities = models.BigIntegerField()

    class Meta:
        indexes = [
            models.Index(
                fields=["county_id", "date"],
                include=["teachers", "students", "hours", "activities"],
                name="activity_tally_county_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.county_id}/{self.date}: {self.activities}"


class BacklogTally(models.Model):
    """Waiting needs (submitted, or open with places left) per county, state and
    day of submission (UTC). ``day`` is empty for needs submitted long enough ago
    that they are in the oldest bucket for good (see migration 0004)."""

    county_id = models.BigIntegerField()
    status = models.CharField(max_length=20)
    day = models.DateField(null=True)
    needs = models.BigIntegerField()

    class Meta:
        indexes = [
            models.Index(
                fields=["county_id", "status", "day"],
                include=["needs"],
                name="backlog_tally_county_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.county_id}/{self.status}/{self.day}: {self.needs}"
