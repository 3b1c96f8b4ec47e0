from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from accounts.models import Role
from common import fields
from places.models import School

from .attachments import Attachment
from .querysets import NeedQuerySet, SpecialtyQuerySet


class SpecialtyFamily(models.Model):
    """专业大类: one of the 19 families of the 2021 catalogue (codes 61-79)."""

    code = models.CharField(_("code"), max_length=4, unique=True)
    name = models.CharField(_("name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("specialty family")
        verbose_name_plural = _("specialty families")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class SpecialtyClass(models.Model):
    """专业类: one of the 88 classes of the 2021 catalogue (4-digit codes), inside
    a family. Matching ranks a teacher of the same class above one of the family."""

    code = models.CharField(_("code"), max_length=6, unique=True)
    name = models.CharField(_("name"), max_length=50)
    family = fields.reference(SpecialtyFamily, _("family"), related_name="classes")

    class Meta:
        verbose_name = _("specialty class")
        verbose_name_plural = _("specialty classes")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Specialty(models.Model):
    code = models.CharField(_("code"), max_length=10, unique=True)
    name = models.CharField(_("name"), max_length=60)
    specialty_class = fields.reference(
        SpecialtyClass,
        _("class"),
        related_name="specialties",
        optional=True,
        help_text=_("Only a retired entry may have none."),
    )
    family = fields.reference(SpecialtyFamily, _("family"), related_name="specialties")
    aliases = models.CharField(
        _("former names"),
        max_length=300,
        blank=True,
        help_text=_("Names older catalogues and spreadsheets use, separated by 、"),
    )
    initials = models.CharField(
        _("pinyin initials"),
        max_length=300,
        blank=True,
        editable=False,
        help_text=_(
            "Pinyin initials of the name and former names (dzsw for 电子商务), "
            "computed when the catalogue is loaded; the picker searches them."
        ),
    )
    retired = models.BooleanField(
        _("retired"),
        default=False,
        help_text=_(
            "Not in the current catalogue: kept for the records that use it, "
            "no longer offered in forms or imports."
        ),
    )

    objects = SpecialtyQuerySet.as_manager()

    class Meta:
        verbose_name = _("specialty")
        verbose_name_plural = _("specialties")
        ordering = ["code"]
        indexes = [models.Index(fields=["name"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(retired=True) | Q(specialty_class__isnull=False),
                name="specialty_current_has_class",
            )
        ]

    def __str__(self) -> str:
        if self.retired:
            return _("%(name)s (no longer in the catalogue)") % {"name": self.name}
        return f"{self.code} {self.name}"


class NeedKind(models.TextChoices):
    TEACHING = "teaching", _("Teaching")
    CURRICULUM = "curriculum", _("Curriculum development")
    TEACHER_TRAINING = "teacher_training", _("Teacher training")
    LAB_SETUP = "lab_setup", _("Lab and training-base setup")
    MANAGEMENT = "management", _("School management")
    ENTERPRISE_PARTNERSHIP = (
        "enterprise_partnership",
        _("School-enterprise partnership"),
    )
    OTHER = "other", _("Other")


class NeedStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    OPEN = "open", _("Open")
    MATCHED = "matched", _("Matched")
    FULFILLED = "fulfilled", _("Fulfilled")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


class Need(models.Model):
    """A need (需求) posted by an assisted school."""

    school = fields.reference(School, _("school"), related_name="needs")
    specialty = fields.reference(Specialty, _("specialty"), related_name="needs")
    kind = models.CharField(_("kind"), max_length=30, choices=NeedKind.choices)
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    headcount = models.PositiveSmallIntegerField(
        _("headcount"), help_text=_("Teachers needed, 1-10.")
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    urgency = models.PositiveSmallIntegerField(
        _("urgency"), help_text=_("As stated by the school, 1 (low) to 5 (critical).")
    )
    status = fields.status(NeedStatus, default=NeedStatus.DRAFT)
    priority_score = models.PositiveSmallIntegerField(
        _("priority score"),
        null=True,
        blank=True,
        help_text=_("0-100, computed from the coordinator's diagnosis."),
    )
    filled = models.PositiveSmallIntegerField(
        _("places filled"), default=0, help_text=_("Accepted assignments.")
    )
    cancel_reason = models.TextField(_("cancellation reason"), blank=True)
    created_by = fields.user_reference(_("created by"))
    created_at = fields.created_at()
    updated_at = fields.updated_at()
    submitted_at = fields.moment(_("submitted at"))
    matched_at = fields.moment(_("matched at"))
    fulfilled_at = fields.moment(_("fulfilled at"))

    objects = NeedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["-created_at", "-id"]
        constraints = [
            fields.between(
                "headcount",
                1,
                10,
                "need_headcount_1_10",
                _("Headcount must be between 1 and 10."),
            ),
            fields.between(
                "urgency",
                1,
                5,
                "need_urgency_1_5",
                _("Urgency must be between 1 and 5."),
            ),
            fields.dates_in_order("need_end_not_before_start"),
            fields.between(
                "priority_score", 0, 100, "need_priority_0_100", nullable=True
            ),
            models.CheckConstraint(
                condition=Q(filled__lte=F("headcount")), name="need_filled_le_headcount"
            ),
            fields.one_of("status", NeedStatus, "need_status_valid"),
            fields.one_of("kind", NeedKind, "need_kind_valid"),
        ]
        indexes = [
            models.Index(fields=["status", "school"]),
            models.Index(fields=["status", "submitted_at"]),
            models.Index(fields=["school", "-created_at"]),
            # Lists newest first (the API's and pages' default order): the first
            # page walks this index backwards instead of sorting every visible
            # need. Ascending, so that new rows append at its right-hand end.
            models.Index(fields=["created_at", "id"], name="need_newest_first_idx"),
            models.Index(fields=["specialty", "status"]),
            # The dashboard's passes over a county's needs, as index-only scans.
            models.Index(
                fields=["school", "status"],
                include=[
                    "headcount",
                    "filled",
                    "specialty",
                    "submitted_at",
                    "matched_at",
                    "start_date",
                    "end_date",
                ],
                name="need_school_status_figures_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def open_headcount(self) -> int:
        return max(self.headcount - self.filled, 0)


class Diagnosis(models.Model):
    """需求诊断: the coordinator's scores on the need-evaluation indicators."""

    need = models.OneToOneField(
        Need, verbose_name=_("need"), on_delete=models.CASCADE, related_name="diagnosis"
    )
    urgency = models.PositiveSmallIntegerField(_("urgency"))
    students_affected = models.PositiveSmallIntegerField(_("students affected"))
    industry_fit = models.PositiveSmallIntegerField(_("fit with local industry"))
    readiness = models.PositiveSmallIntegerField(_("school readiness"))
    priority_score = models.PositiveSmallIntegerField(_("priority score"))
    diagnosed_by = fields.user_reference(_("diagnosed by"))
    diagnosed_at = models.DateTimeField(_("diagnosed at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("diagnosis")
        verbose_name_plural = _("diagnoses")
        constraints = [
            models.CheckConstraint(
                condition=Q(urgency__gte=1, urgency__lte=5)
                & Q(students_affected__gte=1, students_affected__lte=5)
                & Q(industry_fit__gte=1, industry_fit__lte=5)
                & Q(readiness__gte=1, readiness__lte=5),
                name="diagnosis_scores_1_5",
            ),
            fields.between("priority_score", 0, 100, "diagnosis_priority_0_100"),
        ]

    def __str__(self) -> str:
        return f"{self.need} ({self.priority_score})"


class GoalOutcome(models.TextChoices):
    """How far a plan goal was reached (达成 / 部分达成 / 未达成); the evaluation
    counts met as 1, partly met as 0.5 and not met as 0."""

    MET = "met", pgettext_lazy("goal outcome", "Met")
    PARTLY = "partly", pgettext_lazy("goal outcome", "Partly met")
    NOT_MET = "not_met", pgettext_lazy("goal outcome", "Not met")


class GoalState(models.TextChoices):
    """Where a goal's marking stands (derived from its fields, never stored)."""

    NOT_MARKED = "not_marked", pgettext_lazy("goal state", "Not marked")
    WAITING = "waiting", pgettext_lazy("goal state", "Waiting for confirmation")
    CONFIRMED = "confirmed", pgettext_lazy("goal state", "Confirmed")


class PlanGoal(models.Model):
    """A measurable goal of the customised assistance plan of a need.

    The school's staff and the serving teachers mark it (``outcome``: the latest
    mark); the county's coordinator confirms or corrects the mark
    (``confirmed_outcome``: what the evaluation counts). A new mark waits for
    confirmation (``awaiting_confirmation``) while the confirmed outcome, if any,
    still stands. Every mark and confirmation is kept as a :class:`GoalMark`."""

    need = fields.part_of(Need, _("need"), related_name="goals")
    text = models.CharField(_("goal"), max_length=300)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    outcome = models.CharField(
        _("marked outcome"),
        max_length=10,
        choices=GoalOutcome.choices,
        blank=True,
        help_text=_("The latest mark by the school or a serving teacher."),
    )
    marked_by = fields.user_reference(
        _("marked by"), on_delete=models.SET_NULL, optional=True
    )
    marked_at = fields.moment(_("marked at"))
    awaiting_confirmation = models.BooleanField(
        _("waiting for confirmation"), default=False
    )
    confirmed_outcome = models.CharField(
        _("confirmed outcome"),
        max_length=10,
        choices=GoalOutcome.choices,
        blank=True,
        help_text=_("Confirmed by the county's coordinator; the evaluation uses it."),
    )
    confirmed_by = fields.user_reference(
        _("confirmed by"), on_delete=models.SET_NULL, optional=True
    )
    confirmed_at = fields.moment(_("confirmed at"))

    class Meta:
        verbose_name = _("plan goal")
        verbose_name_plural = _("plan goals")
        ordering = ["need_id", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=["", *GoalOutcome.values])
                & Q(confirmed_outcome__in=["", *GoalOutcome.values]),
                name="plan_goal_outcomes_valid",
            ),
            models.CheckConstraint(
                condition=Q(awaiting_confirmation=False) | ~Q(outcome=""),
                name="plan_goal_waiting_has_a_mark",
            ),
        ]
        indexes = [
            # The coordinators' "goal marks to confirm".
            models.Index(
                fields=["need"],
                condition=Q(awaiting_confirmation=True),
                name="plan_goal_waiting_idx",
            )
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def state(self) -> str:
        if self.awaiting_confirmation:
            return GoalState.WAITING
        if self.confirmed_outcome:
            return GoalState.CONFIRMED
        return GoalState.NOT_MARKED

    def get_state_display(self) -> str:
        return str(GoalState(self.state).label)

    @property
    def state_class(self) -> str:
        """For a badge's colour: waiting, not_marked, or the confirmed outcome."""
        if self.awaiting_confirmation or not self.confirmed_outcome:
            return self.state
        return self.confirmed_outcome

    @property
    def state_label(self) -> str:
        """The goal's standing in words: 达成, 待确认（部分达成）, 未标记."""
        if self.awaiting_confirmation:
            return _("Waiting for confirmation (%(outcome)s)") % {
                "outcome": self.get_outcome_display()
            }
        if self.confirmed_outcome:
            return str(self.get_confirmed_outcome_display())
        return str(GoalState.NOT_MARKED.label)


class GoalMarkAction(models.TextChoices):
    MARK = "mark", pgettext_lazy("goal mark action", "Marked")
    CONFIRM = "confirm", pgettext_lazy("goal mark action", "Confirmed")
    CORRECT = "correct", pgettext_lazy("goal mark action", "Corrected")


class GoalMark(models.Model):
    """One step of a goal's history: a mark by the school or a teacher, or the
    coordinator's confirmation or correction of it (who, when, what, why)."""

    goal = fields.part_of(PlanGoal, _("plan goal"), related_name="marks")
    action = models.CharField(
        _("action"), max_length=10, choices=GoalMarkAction.choices
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=GoalOutcome.choices)
    note = models.TextField(_("note"), blank=True)
    author = fields.user_reference(
        _("by"),
        optional=True,
        help_text=_("Empty for outcomes recorded before marks existed."),
    )
    author_role = models.CharField(
        _("role"), max_length=20, choices=Role.choices, blank=True
    )
    created_at = fields.created_at(_("at"))

    class Meta:
        verbose_name = _("goal mark")
        verbose_name_plural = _("goal marks")
        ordering = ["goal_id", "created_at", "id"]
        indexes = [models.Index(fields=["goal", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=GoalMarkAction.values)
                & Q(outcome__in=GoalOutcome.values),
                name="goal_mark_action_and_outcome_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.goal_id}: {self.action} {self.outcome}"


class GoalMarkAttachment(Attachment):
    mark = fields.part_of(GoalMark, _("goal mark"), related_name="attachments")

    class Meta(Attachment.Meta):
        verbose_name = _("goal evidence")
        verbose_name_plural = _("goal evidence")


class NeedTransition(models.Model):
    """One state change of a need: who, when, from what to what, and why."""

    need = fields.part_of(Need, _("need"), related_name="transitions")
    from_status = models.CharField(
        _("from"), max_length=20, choices=NeedStatus.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=20, choices=NeedStatus.choices)
    actor = fields.user_reference(_("by"), optional=True)
    comment = models.TextField(_("comment"), blank=True)
    created_at = fields.created_at(_("at"))

    class Meta:
        verbose_name = _("need state change")
        verbose_name_plural = _("need state changes")
        ordering = ["need_id", "created_at", "id"]
        indexes = [models.Index(fields=["need", "created_at"])]

    def __str__(self) -> str:
        return f"{self.need_id}: {self.from_status} -> {self.to_status}"


class NeedComment(models.Model):
    """One message of a need's thread (its school's staff, the county's coordinators
    and the teachers proposed or serving); evidence files hang on it."""

    need = fields.part_of(Need, _("need"), related_name="comments")
    author = fields.user_reference(_("author"), related_name="need_comments")
    text = models.TextField(_("text"), blank=True)
    created_at = fields.created_at()

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["need", "created_at"])]

    def __str__(self) -> str:
        return f"{self.need_id}: {self.text[:40]}"


class NeedCommentAttachment(Attachment):
    comment = fields.part_of(
        NeedComment,
        _("comment"),
        related_name="attachments",
    )

    class Meta(Attachment.Meta):
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
