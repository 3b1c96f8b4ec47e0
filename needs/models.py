from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .attachments import Attachment
from .querysets import CountyQuerySet, NeedQuerySet, SpecialtyQuerySet


class County(models.Model):
    name = models.CharField(_("name"), max_length=50)
    province = models.CharField(_("province"), max_length=50)
    code = models.CharField(
        _("code"), max_length=12, unique=True, help_text=_("Administrative code.")
    )
    neighbours = models.ManyToManyField(
        "self", verbose_name=_("neighbouring counties"), blank=True, symmetrical=True
    )

    objects = CountyQuerySet.as_manager()

    class Meta:
        verbose_name = _("county")
        verbose_name_plural = _("counties")
        ordering = ["province", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["province", "name"], name="county_unique_name_in_province"
            )
        ]

    def __str__(self) -> str:
        return f"{self.province}{self.name}"


class SchoolKind(models.TextChoices):
    ASSISTED = "assisted", _("Assisted school")
    SUPPORTING = "supporting", _("Supporting school")


class School(models.Model):
    name = models.CharField(_("name"), max_length=100)
    county = models.ForeignKey(
        County,
        verbose_name=_("county"),
        on_delete=models.PROTECT,
        related_name="schools",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=SchoolKind.choices)

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        ordering = ["county_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "name"], name="school_unique_name_in_county"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=SchoolKind.values), name="school_kind_valid"
            ),
        ]
        indexes = [models.Index(fields=["kind", "county"])]

    def __str__(self) -> str:
        return self.name


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
    family = models.ForeignKey(
        SpecialtyFamily,
        verbose_name=_("family"),
        on_delete=models.PROTECT,
        related_name="classes",
    )

    class Meta:
        verbose_name = _("specialty class")
        verbose_name_plural = _("specialty classes")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Specialty(models.Model):
    code = models.CharField(_("code"), max_length=10, unique=True)
    name = models.CharField(_("name"), max_length=60)
    specialty_class = models.ForeignKey(
        SpecialtyClass,
        verbose_name=_("class"),
        on_delete=models.PROTECT,
        related_name="specialties",
        null=True,
        blank=True,
        help_text=_("Only a retired entry may have none."),
    )
    family = models.ForeignKey(
        SpecialtyFamily,
        verbose_name=_("family"),
        on_delete=models.PROTECT,
        related_name="specialties",
    )
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

    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="needs"
    )
    specialty = models.ForeignKey(
        Specialty,
        verbose_name=_("specialty"),
        on_delete=models.PROTECT,
        related_name="needs",
    )
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
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=NeedStatus.choices,
        default=NeedStatus.DRAFT,
    )
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
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    matched_at = models.DateTimeField(_("matched at"), null=True, blank=True)
    fulfilled_at = models.DateTimeField(_("fulfilled at"), null=True, blank=True)

    objects = NeedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(headcount__gte=1, headcount__lte=10),
                name="need_headcount_1_10",
                violation_error_message=_("Headcount must be between 1 and 10."),
            ),
            models.CheckConstraint(
                condition=Q(urgency__gte=1, urgency__lte=5),
                name="need_urgency_1_5",
                violation_error_message=_("Urgency must be between 1 and 5."),
            ),
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="need_end_not_before_start",
                violation_error_message=_(
                    "The end date cannot be before the start date."
                ),
            ),
            models.CheckConstraint(
                condition=Q(priority_score__isnull=True)
                | Q(priority_score__gte=0, priority_score__lte=100),
                name="need_priority_0_100",
            ),
            models.CheckConstraint(
                condition=Q(filled__lte=F("headcount")), name="need_filled_le_headcount"
            ),
            models.CheckConstraint(
                condition=Q(status__in=NeedStatus.values), name="need_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=NeedKind.values), name="need_kind_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "school"]),
            models.Index(fields=["status", "submitted_at"]),
            models.Index(fields=["school", "-created_at"]),
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
    diagnosed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("diagnosed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
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
            models.CheckConstraint(
                condition=Q(priority_score__gte=0, priority_score__lte=100),
                name="diagnosis_priority_0_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.need} ({self.priority_score})"


class PlanGoal(models.Model):
    """A measurable goal of the customised assistance plan of a need."""

    need = models.ForeignKey(
        Need, verbose_name=_("need"), on_delete=models.CASCADE, related_name="goals"
    )
    text = models.CharField(_("goal"), max_length=300)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    met = models.BooleanField(_("met"), null=True, blank=True)
    met_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("plan goal")
        verbose_name_plural = _("plan goals")
        ordering = ["need_id", "position", "id"]

    def __str__(self) -> str:
        return self.text


class NeedTransition(models.Model):
    """One state change of a need: who, when, from what to what, and why."""

    need = models.ForeignKey(
        Need,
        verbose_name=_("need"),
        on_delete=models.CASCADE,
        related_name="transitions",
    )
    from_status = models.CharField(
        _("from"), max_length=20, choices=NeedStatus.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=20, choices=NeedStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

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

    need = models.ForeignKey(
        Need, verbose_name=_("need"), on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="need_comments",
    )
    text = models.TextField(_("text"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["need", "created_at"])]

    def __str__(self) -> str:
        return f"{self.need_id}: {self.text[:40]}"


class NeedCommentAttachment(Attachment):
    comment = models.ForeignKey(
        NeedComment,
        verbose_name=_("comment"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )

    class Meta(Attachment.Meta):
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
