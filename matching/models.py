from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common import fields


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")


class RunTrigger(models.TextChoices):
    MANUAL = "manual", _("Started by a person")
    SCHEDULE = "schedule", _("Scheduled")


class MatchingRun(models.Model):
    county = fields.reference(
        "places.County",
        _("county"),
        related_name="matching_runs",
        optional=True,
        help_text=_("Empty: every county."),
    )
    parent = fields.part_of(
        "self",
        _("parent run"),
        related_name="children",
        optional=True,
        help_text=_("The all-county run this per-county run was fanned out from."),
    )
    trigger = models.CharField(
        _("trigger"),
        max_length=20,
        choices=RunTrigger.choices,
        default=RunTrigger.MANUAL,
    )
    started_by = fields.user_reference(
        _("started by"), on_delete=models.SET_NULL, optional=True
    )
    status = fields.status(RunStatus, default=RunStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    stage = models.CharField(_("stage"), max_length=50, blank=True)
    stats = models.JSONField(_("statistics"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = fields.created_at()
    started_at = fields.moment(_("started at"))
    finished_at = fields.moment(_("finished at"))

    class Meta:
        verbose_name = _("matching run")
        verbose_name_plural = _("matching runs")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["county", "-created_at"])]
        constraints = [
            fields.one_of("status", RunStatus, "run_status_valid"),
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="run_progress_le_100"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_status_display()}"


class UnmatchedReason(models.TextChoices):
    NO_TEACHER_WITH_SPECIALTY = (
        "no_teacher_with_specialty",
        _("No teacher with this specialty or its family"),
    )
    NO_AVAILABILITY_IN_WINDOW = (
        "no_availability_in_window",
        _("No suitable teacher is available in the window"),
    )
    CAPACITY_EXHAUSTED = (
        "capacity_exhausted",
        _("Every suitable teacher is fully booked"),
    )
    OUTSCORED = "outscored", _("Suitable teachers went to better-scoring needs")


class UnmatchedQuerySet(models.QuerySet):
    def by_need(self) -> dict[int, str]:
        """The reason of each need these rows left open, by need id."""
        found: dict[int, str] = {}
        for reason, needs in self.values_list("reason", "needs"):
            found.update(dict.fromkeys(UnmatchedNeeds.decode(needs), reason))
        return found


class UnmatchedNeeds(models.Model):
    """Why a run left needs open: the ids of the needs one part of a run left open
    for one reason, a write-once log that only the run service writes, in the
    transaction that read those needs.

    A national run leaves some 70,000 needs open. Written as a row per need (its
    key, its (run, need) index), the reasons took a quarter of the run's writing;
    written as a row per part and reason, they take a few rows whatever the number
    of needs. They are always read whole, for one run and its county runs
    (:meth:`UnmatchedQuerySet.by_need`): the run's page and API list every need
    left open, and the counts by reason are in the run's ``stats``. The ids are
    ascending decimal numbers separated by spaces, a text every database stores
    (the demo runs on SQLite). They name needs that were open, and a need is
    deleted only as a draft, which it never becomes again once open (the need
    policy), so no database reference is kept."""

    run = fields.part_of(
        MatchingRun, _("matching run"), related_name="unmatched", db_constraint=False
    )
    reason = models.CharField(
        _("reason"), max_length=40, choices=UnmatchedReason.choices
    )
    count = models.PositiveIntegerField(_("number of needs"))
    needs = models.TextField(_("needs"), help_text=_("Their ids, ascending."))

    objects = UnmatchedQuerySet.as_manager()

    class Meta:
        verbose_name = _("needs left open")
        verbose_name_plural = _("needs left open")

    def __str__(self) -> str:
        return f"#{self.run_id} {self.reason}: {self.count}"

    @staticmethod
    def encode(need_ids) -> str:
        return " ".join(map(str, sorted(need_ids)))

    @staticmethod
    def decode(needs: str) -> list[int]:
        return [int(each) for each in needs.split()]


class AssignmentStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


LIVE_ASSIGNMENT_STATUSES = (AssignmentStatus.PROPOSED, AssignmentStatus.ACCEPTED)


class Assignment(models.Model):
    # need and teacher are indexed through (need, status) and (teacher, status):
    # a run writes tens of thousands of rows, and each index costs on every row.
    # For the same reason PostgreSQL checks the references (need, teacher and the
    # two deciders) once per statement, not with a foreign-key trigger per row:
    # the triggers of migrations 0013 and 0016 lock the rows referred to (as a
    # foreign key would) and refuse a missing one (SQLSTATE 23503, Django's
    # IntegrityError); deleting a need or teacher still referred to is refused and
    # deleting a decider clears the column, by triggers on their tables.
    need = fields.reference(
        "needs.Need",
        _("need"),
        related_name="assignments",
        db_index=False,
        db_constraint=False,
    )
    teacher = fields.reference(
        "teams.Teacher",
        _("teacher"),
        related_name="assignments",
        db_index=False,
        db_constraint=False,
    )
    status = fields.status(AssignmentStatus, default=AssignmentStatus.PROPOSED)
    score = models.FloatField(_("score"), default=0)
    breakdown = models.JSONField(_("score breakdown"), default=dict, blank=True)
    # Which run proposed it: provenance, kept by Django (SET_NULL through the ORM)
    # rather than by a database check on each of the tens of thousands of rows a
    # run writes at once; need and teacher stay database-checked.
    run = fields.reference(
        MatchingRun,
        _("matching run"),
        related_name="assignments",
        on_delete=models.SET_NULL,
        optional=True,
        db_constraint=False,
    )
    decided_by = fields.user_reference(
        _("decided by"),
        on_delete=models.SET_NULL,
        optional=True,
        db_index=False,  # a partial index below: proposals have no decider yet
        db_constraint=False,  # checked per statement, as need and teacher are
    )
    decided_at = fields.moment(_("decided at"))
    decision_reason = models.TextField(_("reason"), blank=True)
    # A declined pair is not proposed again until a coordinator clears the decline.
    decline_cleared_at = fields.moment(_("decline cleared at"))
    decline_cleared_by = fields.user_reference(
        _("decline cleared by"),
        on_delete=models.SET_NULL,
        optional=True,
        db_index=False,
        db_constraint=False,  # checked per statement, as need and teacher are
    )
    created_at = fields.created_at()
    updated_at = fields.updated_at()

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["-created_at", "-id"]
        constraints = [
            # Teacher first: the same index finds a teacher's live assignments
            # (capacity: the run's reads, the database guard of migration 0004).
            models.UniqueConstraint(
                fields=["teacher", "need"],
                condition=Q(status__in=["proposed", "accepted"]),
                name="assignment_one_live_per_need_teacher",
                violation_error_message=_(
                    "This teacher already has a live assignment for this need."
                ),
            ),
            fields.one_of("status", AssignmentStatus, "assignment_status_valid"),
        ]
        indexes = [
            models.Index(fields=["teacher", "status"]),
            models.Index(fields=["need", "status"]),
            # Lists of one status, newest first, for the statuses a decision
            # sets. Proposals are left out: a run writes tens of thousands at
            # once, and a list of proposals walks the newest-first index below
            # (proposals are the newest rows) as quickly.
            models.Index(
                fields=["status", "-created_at"],
                condition=~Q(status="proposed"),
                name="assignment_decided_status_idx",
            ),
            # Lists newest first: the first page walks this index backwards
            # instead of sorting every visible assignment. Ascending: a run's rows
            # share one created_at and take rising ids, so they append at the
            # index's right-hand end.
            models.Index(
                fields=["created_at", "id"], name="assignment_newest_first_idx"
            ),
            models.Index(
                fields=["decided_by"],
                condition=Q(decided_by__isnull=False),
                name="assignment_decided_by_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.teacher} → {self.need}"
