"""The specialty picker used by every form that chooses a specialty (needs,
teachers' skills, filters): the current catalogue grouped by family and class, each
option carrying its code, name, former names and pinyin initials for the search box
(``needs/specialty-picker.js`` filters the options in the browser)."""

from itertools import groupby

from django import forms
from django.forms.models import ModelChoiceIterator

from .models import Specialty


def group_label(specialty: Specialty) -> str:
    klass = specialty.specialty_class
    if klass is None:
        return specialty.family.name
    return f"{specialty.family.name} · {klass.name}"


class SpecialtyChoiceIterator(ModelChoiceIterator):
    """Choices grouped as ``(family · class, [choices])`` in code order."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        queryset = self.queryset.select_related("family", "specialty_class").order_by(
            "code"
        )
        for label, group in groupby(queryset, key=group_label):
            yield (label, [self.choice(specialty) for specialty in group])


class SpecialtyPicker(forms.Select):
    template_name = "needs/widgets/specialty_picker.html"

    class Media:
        js = ("needs/specialty-picker.js",)

    def create_option(self, name, value, label, selected, index, **kwargs):
        option = super().create_option(name, value, label, selected, index, **kwargs)
        specialty = getattr(value, "instance", None)
        if specialty is not None:
            option["attrs"]["data-search"] = " ".join(
                (specialty.code, specialty.name, specialty.aliases, specialty.initials)
            ).lower()
        return option


class SpecialtyChoiceField(forms.ModelChoiceField):
    iterator = SpecialtyChoiceIterator
    widget = SpecialtyPicker

    def __init__(self, queryset=None, **kwargs):
        if queryset is None:
            queryset = Specialty.objects.current()
        super().__init__(queryset, **kwargs)

    def label_from_instance(self, obj: Specialty) -> str:
        return f"{obj.code} {obj.name}"
