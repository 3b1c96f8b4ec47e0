"""Filters of need, school and specialty lists, shared by the API and the web pages.

Choices that name scoped objects (schools, counties) come from the caller's scope, so
an id outside it is refused exactly like an id that does not exist."""

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from accounts.scopes import visible
from places.models import County, School, SchoolKind

from .models import (
    Need,
    NeedKind,
    NeedStatus,
    Specialty,
    SpecialtyClass,
    SpecialtyFamily,
)


def in_scope(model):
    """A choice filter's ``queryset``: the rows of ``model`` the requesting user may
    see."""

    def queryset(request):
        return visible(getattr(request, "user", None), model.objects.all())

    return queryset


visible_schools = in_scope(School)
visible_counties = in_scope(County)


def filter_code_or_id(queryset, field_path: str, value: str, model):
    """A family or class (``model``) given by its code ("73", "7102") or, when no
    ``model`` row has that code, its id."""
    value = (value or "").strip()
    if not value:
        return queryset
    if model.objects.filter(code=value).exists() or not value.isdigit():
        return queryset.filter(**{f"{field_path}__code": value})
    return queryset.filter(**{f"{field_path}_id": int(value)})


class NeedFilter(filters.FilterSet):
    school = filters.ModelChoiceFilter(queryset=visible_schools, label=_("school"))
    county = filters.ModelChoiceFilter(
        field_name="school__county", queryset=visible_counties, label=_("county")
    )
    specialty = filters.ModelChoiceFilter(
        queryset=Specialty.objects.all(), label=_("specialty")
    )
    family = filters.CharFilter(
        method="filter_by_family", label=_("specialty family (code or id)")
    )
    # Plain columns: no DISTINCT (django-filter's default for multiple choices, which
    # made every filtered list sort and count whole rows; see README "Load").
    kind = filters.MultipleChoiceFilter(
        choices=NeedKind.choices, label=_("kind"), distinct=False
    )
    status = filters.MultipleChoiceFilter(
        choices=NeedStatus.choices, label=_("status"), distinct=False
    )
    urgency = filters.NumberFilter(label=_("urgency"))
    urgency_min = filters.NumberFilter(
        field_name="urgency", lookup_expr="gte", label=_("urgency at least")
    )
    priority_score_min = filters.NumberFilter(
        field_name="priority_score",
        lookup_expr="gte",
        label=_("priority score at least"),
    )
    start_date = filters.DateFromToRangeFilter(label=_("start date"))
    end_date = filters.DateFromToRangeFilter(label=_("end date"))

    class Meta:
        model = Need
        fields = [
            "school",
            "county",
            "specialty",
            "family",
            "kind",
            "status",
            "urgency",
            "urgency_min",
            "priority_score_min",
            "start_date",
            "end_date",
        ]

    def filter_by_family(self, queryset, name, value):
        return filter_code_or_id(queryset, "specialty__family", value, SpecialtyFamily)


class CountyFilter(filters.FilterSet):
    class Meta:
        model = County
        fields = ["province", "code"]


class SchoolFilter(filters.FilterSet):
    county = filters.ModelChoiceFilter(queryset=visible_counties, label=_("county"))
    kind = filters.ChoiceFilter(choices=SchoolKind.choices, label=_("kind"))

    class Meta:
        model = School
        fields = ["county", "kind"]


class SpecialtyFilter(filters.FilterSet):
    family = filters.CharFilter(
        method="filter_by_family", label=_("specialty family (code or id)")
    )
    retired = filters.BooleanFilter(
        label=_("retired (without it, the list holds the current catalogue only)")
    )

    class Meta:
        model = Specialty
        fields = ["family", "retired"]

    def filter_by_family(self, queryset, name, value):
        return filter_code_or_id(queryset, "family", value, SpecialtyFamily)

    def filter_by_class(self, queryset, name, value):
        return filter_code_or_id(queryset, "specialty_class", value, SpecialtyClass)


# ``class`` is a keyword, so the filter is added by name.
SpecialtyFilter.base_filters["class"] = filters.CharFilter(
    method="filter_by_class", label=_("specialty class (code or id)")
)
