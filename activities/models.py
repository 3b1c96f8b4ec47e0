"""Activity logs (帮扶活动), their evidence and disputes.

These models were first part of ``matching``: they keep the tables they had there
(``matching_activity``, ``matching_historicalactivity``,
``matching_activityattachment``), so moving them moved no row."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common import fields
from needs.attachments import Attachment


class ActivityKind(models.TextChoices):
    LESSON = "lesson", _("Lesson")
    MENTORING = "mentoring", _("Mentoring")
    TRAINING = "training", _("Training")
    CURRICULUM = "curriculum", _("Curriculum work")
    OTHER = "other", _("Other")


class Activity(models.Model):
    """帮扶活动: work a dispatched teacher logs against an accepted assignment."""

    assignment = fields.reference(
        "matching.Assignment", _("assignment"), related_name="activities"
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=20, choices=ActivityKind.choices)
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1)
    local_teachers_reached = models.PositiveIntegerField(
        _("local teachers reached"), default=0
    )
    students_reached = models.PositiveIntegerField(_("students reached"), default=0)
    # Optional, one name per line: the radiating effect counts distinct people.
    reached_names = models.TextField(
        _("names of the local teachers reached"), blank=True
    )
    note = models.TextField(_("note"), blank=True)
    disputed = models.BooleanField(_("disputed"), default=False)
    dispute_reason = models.TextField(_("dispute reason"), blank=True)
    created_at = fields.created_at()

    history = HistoricalRecords(table_name="matching_historicalactivity")

    class Meta:
        db_table = "matching_activity"
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0, hours__lte=24),
                name="activity_hours_0_24",
                violation_error_message=_("Hours must be more than 0 and at most 24."),
            ),
            fields.one_of("kind", ActivityKind, "activity_kind_valid"),
        ]
        indexes = [models.Index(fields=["assignment", "date"])]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"

    @property
    def dispute_state(self) -> str:
        """ "disputed" or "undisputed": the state its policy's actions start from."""
        return "disputed" if self.disputed else "undisputed"

    def get_dispute_state_display(self) -> str:
        return str(_("already disputed") if self.disputed else _("not disputed"))

    @property
    def names_reached(self) -> list[str]:
        return [name for name in self.reached_names.splitlines() if name.strip()]

    @property
    def reach_flagged(self) -> bool:
        """More local teachers than one activity plausibly reaches: the coordinator
        looks at it (the teacher had to explain it in the note)."""
        return self.local_teachers_reached > settings.ACTIVITY_PLAUSIBLE_REACH


class ActivityAttachment(Attachment):
    """Evidence of an activity: a photo of the session, a sign-in sheet (PDF)."""

    activity = fields.part_of(Activity, _("activity"), related_name="attachments")

    class Meta(Attachment.Meta):
        db_table = "matching_activityattachment"
        verbose_name = _("activity attachment")
        verbose_name_plural = _("activity attachments")
