from collections import defaultdict
from decimal import Decimal

from django import forms
from django.contrib import admin
from django.utils.translation import gettext as _
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Evaluation,
    EvaluationCycle,
    Framework,
    Indicator,
    RaterWeight,
    Rating,
    RatingScore,
)
from .scoring import plain_number


class IndicatorFormSet(forms.BaseInlineFormSet):
    """Refuses a tree whose weights at some level do not add up to 100 (the same
    rule the API applies, evaluations/frameworks.py)."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        sums: dict[object, Decimal] = defaultdict(Decimal)
        labels: dict[object, str] = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or data.get("weight") is None:
                continue
            parent = data.get("parent")
            key = parent.pk if parent is not None else None
            sums[key] += data["weight"]
            labels[key] = str(parent) if parent is not None else ""
        for key, total in sums.items():
            if total != 100:
                if key is None:
                    message = _(
                        "The weights of the top-level indicators add up to "
                        "%(total)s, not 100."
                    ) % {"total": plain_number(total)}
                else:
                    message = _(
                        "The weights of the indicators under %(parent)s add up to "
                        "%(total)s, not 100."
                    ) % {"parent": labels[key], "total": plain_number(total)}
                raise forms.ValidationError(message)


class RaterWeightFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        weights = [
            form.cleaned_data["weight"]
            for form in self.forms
            if getattr(form, "cleaned_data", None)
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("weight") is not None
        ]
        total = sum(weights, Decimal(0))
        if weights and total != 100:
            raise forms.ValidationError(
                _("The rater weights add up to %(total)s, not 100.")
                % {"total": plain_number(total)}
            )


class IndicatorInline(admin.TabularInline):
    model = Indicator
    formset = IndicatorFormSet
    extra = 0
    fields = (
        "code",
        "name",
        "name_en",
        "parent",
        "weight",
        "kind",
        "metric",
        "target",
        "anchors",
    )


class RaterWeightInline(admin.TabularInline):
    model = RaterWeight
    formset = RaterWeightFormSet
    extra = 0


@admin.register(Framework)
class FrameworkAdmin(admin.ModelAdmin):
    list_display = ("name", "subject_type", "is_default", "created_at")
    list_filter = ("subject_type", "is_default")
    search_fields = ("name",)
    inlines = [IndicatorInline, RaterWeightInline]


@admin.register(EvaluationCycle)
class EvaluationCycleAdmin(admin.ModelAdmin):
    list_display = ("name", "county", "status", "start_date", "end_date")
    list_filter = ("status", "county")
    search_fields = ("name",)
    readonly_fields = ("status", "opened_at", "closed_at", "created_by")


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    list_display = (
        "cycle",
        "subject_type",
        "teacher",
        "team",
        "school",
        "score",
        "grade",
    )
    list_filter = ("subject_type", "grade", "cycle")
    search_fields = ("teacher__name", "team__name", "school__name")
    raw_id_fields = ("teacher", "team", "school")


class RatingScoreInline(admin.TabularInline):
    model = RatingScore
    extra = 0


@admin.register(Rating)
class RatingAdmin(SimpleHistoryAdmin):
    list_display = ("evaluation", "rater", "rater_role", "status", "submitted_at")
    list_filter = ("status", "rater_role")
    search_fields = ("rater__username", "comment")
    raw_id_fields = ("evaluation", "rater")
    inlines = [RatingScoreInline]
