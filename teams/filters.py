"""Filters of the teacher and team lists, shared by the API, the web pages and the
exports (an export honours the filters of the list it comes from).

Choices that name scoped objects (counties, teachers) come from the caller's scope, so
an id outside it is refused exactly like an id that does not exist."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_filters import rest_framework as filters

from accounts.scopes import visible
from needs.models import Specialty, SpecialtyFamily
from places.models import County, School, SchoolKind

from .models import Teacher, TeacherSkill, Team


def _user(request):
    return getattr(request, "user", None)


def scoped_counties(request):
    return visible(_user(request), County.objects.all())


def scoped_teachers(request):
    return visible(_user(request), Teacher.objects.all())


def supporting_schools(request):
    # Supporting schools are where teachers come from: reference data for everyone
    # who manages teachers, whatever county the school is in.
    return School.objects.filter(kind=SchoolKind.SUPPORTING)


class TeacherFilter(filters.FilterSet):
    county = filters.ModelChoiceFilter(
        queryset=scoped_counties, label=_("stationed county")
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
    available_on = filters.DateFilter(
        method="filter_available_on", label=_("available on this date")
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
        value = (value or "").strip()
        if not value:
            return queryset
        if SpecialtyFamily.objects.filter(code=value).exists() or not value.isdigit():
            skills = TeacherSkill.objects.filter(specialty__family__code=value)
        else:
            skills = TeacherSkill.objects.filter(specialty__family_id=int(value))
        return queryset.filter(pk__in=skills.values("teacher_id"))

    def filter_available_on(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(available_from__lte=value, available_until__gte=value)


class TeamFilter(filters.FilterSet):
    county = filters.ModelChoiceFilter(queryset=scoped_counties, label=_("county"))
    leader = filters.ModelChoiceFilter(queryset=scoped_teachers, label=_("leader"))
    member = filters.ModelChoiceFilter(
        field_name="members",
        queryset=scoped_teachers,
        method="filter_member",
        label=_("member"),
    )
    start_date = filters.DateFromToRangeFilter(label=_("start date"))
    end_date = filters.DateFromToRangeFilter(label=_("end date"))
    active_on = filters.DateFilter(
        method="filter_active_on", label=_("working on this date")
    )

    class Meta:
        model = Team
        fields = ["county", "leader", "member", "start_date", "end_date", "active_on"]

    def filter_member(self, queryset, name, value):
        if value is None:
            return queryset
        ids = Team.members.through.objects.filter(teacher=value).values("team_id")
        return queryset.filter(pk__in=ids)

    def filter_active_on(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(Q(start_date__lte=value) & Q(end_date__gte=value))
