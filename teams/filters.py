"""Filters of the teacher and team lists, shared by the API, the web pages and the
exports (an export honours the filters of the list it comes from).

Choices that name scoped objects (counties, teachers) come from the caller's scope, so
an id outside it is refused exactly like an id that does not exist."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_filters import rest_framework as filters
from django_filters.constants import EMPTY_VALUES

from needs.filters import filter_code_or_id, in_scope, visible_counties
from needs.models import Specialty, SpecialtyFamily
from places.models import School, SchoolKind

from .models import Teacher, TeacherSkill, Team

visible_teachers = in_scope(Teacher)


def supporting_schools(request):
    # Supporting schools are where teachers come from: reference data for everyone
    # who manages teachers, whatever county the school is in.
    return School.objects.filter(kind=SchoolKind.SUPPORTING)


class OnDateFilter(filters.DateFilter):
    """The rows whose period, from the ``start`` field to the ``end`` field, takes
    in the date asked for."""

    def __init__(self, start: str, end: str, **kwargs):
        super().__init__(**kwargs)
        self.start, self.end = start, end

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        return qs.filter(**{f"{self.start}__lte": value, f"{self.end}__gte": value})


class TeacherFilter(filters.FilterSet):
    county = filters.ModelChoiceFilter(
        queryset=visible_counties, label=_("stationed county")
    )
    home_school = filters.ModelChoiceFilter(
        queryset=supporting_schools, label=_("home school")
    )
    specialty = filters.ModelChoiceFilter(
        field_name="skills__specialty",
        queryset=Specialty.objects.all(),
        method="filter_specialty",
        label=_("specialty"),
    )
    family = filters.CharFilter(
        method="filter_family", label=_("specialty family (code or id)")
    )
    level_min = filters.NumberFilter(
        method="filter_level_min", label=_("level at least (with specialty)")
    )
    active = filters.BooleanFilter(label=pgettext_lazy("teacher", "active"))
    title = filters.CharFilter(label=_("professional title"))
    capacity = filters.NumberFilter(label=_("capacity"))
    available_from = filters.DateFromToRangeFilter(label=_("available from"))
    available_until = filters.DateFromToRangeFilter(label=_("available until"))
    available_on = OnDateFilter(
        "available_from", "available_until", label=_("available on this date")
    )

    class Meta:
        model = Teacher
        fields = [
            "county",
            "home_school",
            "specialty",
            "family",
            "level_min",
            "active",
            "title",
            "capacity",
            "available_from",
            "available_until",
            "available_on",
        ]

    def _skills(self):
        skills = TeacherSkill.objects.all()
        specialty = self.form.cleaned_data.get("specialty")
        level = self.form.cleaned_data.get("level_min")
        if specialty is not None:
            skills = skills.filter(specialty=specialty)
        if level is not None:
            skills = skills.filter(level__gte=level)
        return skills

    def filter_specialty(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(pk__in=self._skills().values("teacher_id"))

    def filter_level_min(self, queryset, name, value):
        if value is None or self.form.cleaned_data.get("specialty") is not None:
            return queryset  # applied together with the specialty
        return queryset.filter(pk__in=self._skills().values("teacher_id"))

    def filter_family(self, queryset, name, value):
        if not (value or "").strip():
            return queryset
        skills = filter_code_or_id(
            TeacherSkill.objects.all(), "specialty__family", value, SpecialtyFamily
        )
        return queryset.filter(pk__in=skills.values("teacher_id"))


class TeamFilter(filters.FilterSet):
    county = filters.ModelChoiceFilter(queryset=visible_counties, label=_("county"))
    leader = filters.ModelChoiceFilter(queryset=visible_teachers, label=_("leader"))
    member = filters.ModelChoiceFilter(
        field_name="members",
        queryset=visible_teachers,
        method="filter_member",
        label=_("member"),
    )
    start_date = filters.DateFromToRangeFilter(label=_("start date"))
    end_date = filters.DateFromToRangeFilter(label=_("end date"))
    active_on = OnDateFilter("start_date", "end_date", label=_("working on this date"))

    class Meta:
        model = Team
        fields = ["county", "leader", "member", "start_date", "end_date", "active_on"]

    def filter_member(self, queryset, name, value):
        if value is None:
            return queryset
        ids = Team.members.through.objects.filter(teacher=value).values("team_id")
        return queryset.filter(pk__in=ids)
