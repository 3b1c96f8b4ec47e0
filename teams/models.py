from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Teacher(models.Model):
    """帮扶教师: a teacher dispatched from a supporting school to a county."""

    name = models.CharField(_("name"), max_length=50)
    home_school = models.ForeignKey(
        "places.School",
        verbose_name=_("home school"),
        on_delete=models.PROTECT,
        related_name="dispatched_teachers",
    )
    title = models.CharField(
        _("professional title"), max_length=50, blank=True, help_text=_("e.g. 高级讲师")
    )
    county = models.ForeignKey(
        "places.County",
        verbose_name=_("stationed county"),
        on_delete=models.PROTECT,
        related_name="teachers",
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    available_from = models.DateField(_("available from"))
    available_until = models.DateField(_("available until"))
    capacity = models.PositiveSmallIntegerField(
        _("capacity"), default=1, help_text=_("Needs served at once, 1-5.")
    )
    can_lead = models.BooleanField(
        _("can lead a team"),
        default=False,
        help_text=_(
            "Has management experience (e.g. a head of department) and may lead a "
            "team and take a post in the school's management."
        ),
    )
    active = models.BooleanField(_("active"), default=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="teacher",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("dispatched teacher")
        verbose_name_plural = _("dispatched teachers")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__gte=1, capacity__lte=5),
                name="teacher_capacity_1_5",
                violation_error_message=_("Capacity must be between 1 and 5."),
            ),
            models.CheckConstraint(
                condition=Q(available_until__gte=F("available_from")),
                name="teacher_window_not_reversed",
                violation_error_message=_(
                    "'Available until' cannot be before 'available from'."
                ),
            ),
            models.UniqueConstraint(
                fields=["home_school", "name"], name="teacher_unique_name_per_school"
            ),
        ]
        indexes = [
            models.Index(fields=["county", "active"]),
            models.Index(fields=["available_from", "available_until"]),
        ]

    def __str__(self) -> str:
        return self.name


class TeacherSkill(models.Model):
    teacher = models.ForeignKey(
        Teacher,
        verbose_name=_("teacher"),
        on_delete=models.CASCADE,
        related_name="skills",
    )
    specialty = models.ForeignKey(
        "needs.Specialty",
        verbose_name=_("specialty"),
        on_delete=models.PROTECT,
        related_name="teacher_skills",
    )
    level = models.PositiveSmallIntegerField(
        _("level"), help_text=_("1 (basic) to 5 (expert).")
    )

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        ordering = ["teacher_id", "-level", "specialty_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=5),
                name="skill_level_1_5",
                violation_error_message=_("Level must be between 1 and 5."),
            ),
            models.UniqueConstraint(
                fields=["teacher", "specialty"], name="skill_unique_per_teacher"
            ),
        ]
        indexes = [models.Index(fields=["specialty", "teacher"])]

    def __str__(self) -> str:
        return f"{self.teacher} · {self.specialty} · {self.level}"


class Team(models.Model):
    """帮扶团队: a team of dispatched teachers serving a county for a period."""

    name = models.CharField(_("name"), max_length=100)
    county = models.ForeignKey(
        "places.County",
        verbose_name=_("county"),
        on_delete=models.PROTECT,
        related_name="teams",
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    leader = models.ForeignKey(
        Teacher,
        verbose_name=_("leader"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_teams",
    )
    members = models.ManyToManyField(
        Teacher, verbose_name=_("members"), blank=True, related_name="teams"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["-start_date", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="team_end_not_before_start",
                violation_error_message=_(
                    "The end date cannot be before the start date."
                ),
            ),
            models.UniqueConstraint(
                fields=["county", "name", "start_date"], name="team_unique_per_period"
            ),
        ]

    def __str__(self) -> str:
        return self.name
