from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from common.forms import DateInput, text_box

from .models import Framework, SubjectType


class CycleForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("evaluation", "Name"), max_length=100)
    county = forms.ModelChoiceField(label=_("County"), queryset=None)
    start_date = forms.DateField(label=_("Start date"), widget=DateInput)
    end_date = forms.DateField(label=_("End date"), widget=DateInput)
    framework = forms.ModelChoiceField(
        label=_("Framework for teachers"),
        queryset=Framework.objects.filter(subject_type=SubjectType.TEACHER),
        required=False,
        empty_label=_("The default framework"),
    )
    team_framework = forms.ModelChoiceField(
        label=_("Framework for teams"),
        queryset=Framework.objects.filter(subject_type=SubjectType.TEAM),
        required=False,
        empty_label=_("The default framework"),
    )
    school_framework = forms.ModelChoiceField(
        label=_("Framework for assisted schools"),
        queryset=Framework.objects.filter(subject_type=SubjectType.SCHOOL),
        required=False,
        empty_label=_("The default framework"),
    )

    def __init__(self, *args, counties, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = counties

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error(
                "end_date", _("The end date cannot be before the start date.")
            )
        return data


class RatingForm(forms.Form):
    """One 0-100 input per rated indicator, named by its code."""

    comment = text_box(pgettext_lazy("rating", "Comment"), rows=3, required=False)

    def __init__(self, *args, indicators, initial_scores=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = indicators
        initial_scores = initial_scores or {}
        for indicator in indicators:
            self.fields[self.field_name(indicator.code)] = forms.DecimalField(
                label=f"{indicator.code} {indicator.name}",
                min_value=0,
                max_value=100,
                max_digits=5,
                decimal_places=2,
                initial=initial_scores.get(indicator.code),
                widget=forms.NumberInput(
                    attrs={"min": 0, "max": 100, "step": "any", "inputmode": "decimal"}
                ),
            )

    @staticmethod
    def field_name(code: str) -> str:
        return "score_" + code

    def indicator_fields(self):
        return [
            (indicator, self[self.field_name(indicator.code)])
            for indicator in self.indicators
        ]

    def scores(self) -> dict:
        return {
            i.code: self.cleaned_data[self.field_name(i.code)] for i in self.indicators
        }
