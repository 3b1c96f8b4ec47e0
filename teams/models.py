from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from common import fields


class Teacher(models.Model):
    """帮扶教师: a teacher dispatched from a supporting school to a county."""

    name = models.CharField(_("name"), max_length=50)
    home_school = fields.reference(
        "places.School", _("home school"), related_name="dispatched_teachers"
    )
    title = models.CharField(
        _("professional title"), max_length=50, blank=True, help_text=_("e.g. 高级讲师")
    )
    county = fields.reference(
        "places.County", _("stationed county"), related_name="teachers"
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
    created_at = fields.created_at()
    updated_at = fields.updated_at()

    class Meta:
        verbose_name = _("dispatched teacher")
        verbose_name_plural = _("dispatched teachers")
        ordering = ["name", "id"]
        constraints = [
            fields.between(
                "capacity",
                1,
                5,
                "teacher_capacity_1_5",
                _("Capacity must be between 1 and 5."),
            ),
            fields.dates_in_order(
                "teacher_window_not_reversed",
                "available_from",
                "available_until",
                _("'Available until' cannot be before 'available from'."),
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
    teacher = fields.part_of(Teacher, _("teacher"), related_name="skills")
    specialty = fields.reference(
        "needs.Specialty", _("specialty"), related_name="teacher_skills"
    )
    level = models.PositiveSmallIntegerField(
        _("level"), help_text=_("1 (basic) to 5 (expert).")
    )

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        ordering = ["teacher_id", "-level", "specialty_id"]
        constraints = [
            fields.between(
                "level", 1, 5, "skill_level_1_5", _("Level must be between 1 and 5.")
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
    county = fields.reference("places.County", _("county"), related_name="teams")
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    leader = fields.reference(
        Teacher,
        _("leader"),
        related_name="led_teams",
        on_delete=models.SET_NULL,
        optional=True,
    )
    members = models.ManyToManyField(
        Teacher, verbose_name=_("members"), blank=True, related_name="teams"
    )
    created_at = fields.created_at()

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["-start_date", "name"]
        constraints = [
            fields.dates_in_order("team_end_not_before_start"),
            models.UniqueConstraint(
                fields=["county", "name", "start_date"], name="team_unique_per_period"
            ),
        ]

    def __str__(self) -> str:
        return self.name
