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


class SchoolKey(models.Model):
    """What a need counts under in the school tally (see :class:`NeedKey`)."""

    school_id = models.BigIntegerField()
    status = models.CharField(max_length=20)
    served = models.BooleanField()
    returned = models.BooleanField()
    submitted = models.BooleanField()
    on_time = models.BooleanField()
    end_date = models.DateField(null=True)

    class Meta:
        abstract = True


class NeedKey(SchoolKey):
    """The key under which each need counts in :class:`SchoolTally` (kept by the
    triggers beside it): whether it is served (an accepted or completed
    assignment) and was returned (rejected, or sent back to draft), which depend
    on other tables, are read here when they change."""

    need_id = models.BigIntegerField(primary_key=True)

    def __str__(self) -> str:
        return f"need {self.need_id}"


class SchoolTally(SchoolKey):
    """Needs per school and key (see :class:`NeedKey`): state, served, returned,
    submitted, confirmed on time, and for matched needs the end date (empty once
    it is long past: then it is past due for good)."""

    needs = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["school_id"], name="school_tally_school_idx")]

    def __str__(self) -> str:
        return f"school {self.school_id}/{self.status}: {self.needs}"


class TallyZone(models.Model):
    """The time zone in which the tallies take the date of a confirmation (one
    row; :func:`dashboard.tallies.rebuild` sets it to ``settings.TIME_ZONE``)."""

    zone = models.CharField(max_length=64)

    def __str__(self) -> str:
        return self.zone
