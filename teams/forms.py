"""Forms of the coordinator pages: shapes and choices only; the services decide."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.scopes import visible
from common.forms import DateInput
from needs.fields import SpecialtyChoiceField
from needs.models import Specialty
from places.models import County, School, SchoolKind

from .models import Teacher


class TeacherLabels:
    """Choices of teachers, each named with their home school."""

    def label_from_instance(self, obj) -> str:
        return f"{obj.name}（{obj.home_school.name}）"


class TeacherChoiceField(TeacherLabels, forms.ModelMultipleChoiceField):
    pass


class LeaderChoiceField(TeacherLabels, forms.ModelChoiceField):
    pass


class TeacherForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("person", "name"), max_length=50)
    home_school = forms.ModelChoiceField(
        label=_("home school"),
        queryset=School.objects.filter(kind=SchoolKind.SUPPORTING).select_related(
            "county"
        ),
    )
    title = forms.CharField(
        label=_("professional title"),
        max_length=50,
        required=False,
        help_text=_("e.g. 讲师, 高级讲师, 正高级讲师"),
    )
    county = forms.ModelChoiceField(
        label=_("stationed county"), queryset=County.objects
    )
    phone = forms.CharField(label=_("phone"), max_length=30, required=False)
    available_from = forms.DateField(label=_("available from"), widget=DateInput)
    available_until = forms.DateField(label=_("available until"), widget=DateInput)
    capacity = forms.IntegerField(
        label=_("capacity"),
        min_value=1,
        max_value=5,
        initial=1,
        help_text=_("Needs served at once, 1-5."),
    )
    can_lead = forms.BooleanField(
        label=_("can lead a team"),
        required=False,
        help_text=_("Management experience: may lead a team."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = visible(user, County.objects.all())


class SkillForm(forms.Form):
    specialty = SpecialtyChoiceField(label=_("specialty"), required=False)
    level = forms.TypedChoiceField(
        label=_("level"),
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        initial=3,
        required=False,
    )

    def clean(self):
        data = super().clean()
        if data.get("specialty") and not data.get("level"):
            self.add_error("level", _("Choose a level from 1 to 5."))
        return data


class BaseSkillFormSet(forms.BaseFormSet):
    def skills(self) -> list[tuple[Specialty, int]]:
        pairs = []
        for form in self.forms:
            if not form.has_changed() or (
                self.can_delete and self._should_delete_form(form)
            ):
                continue
            specialty = form.cleaned_data.get("specialty")
            if specialty is not None:
                pairs.append((specialty, form.cleaned_data["level"]))
        return pairs


SkillFormSet = forms.formset_factory(
    SkillForm, formset=BaseSkillFormSet, extra=2, can_delete=True, max_num=30
)


class TeamForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)
    county = forms.ModelChoiceField(label=_("county"), queryset=County.objects)
    start_date = forms.DateField(label=_("start date"), widget=DateInput)
    end_date = forms.DateField(label=_("end date"), widget=DateInput)
    members = TeacherChoiceField(
        label=_("members"),
        queryset=Teacher.objects,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    leader = LeaderChoiceField(
        label=_("leader"), queryset=Teacher.objects, required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = visible(user, County.objects.all())
        teachers = visible(user, Teacher.objects.select_related("home_school"))
        self.fields["members"].queryset = teachers.order_by("county_id", "name")
        self.fields["leader"].queryset = teachers.order_by("name")


class PeriodForm(forms.Form):
    """The period and pool of "who is free when"."""

    MAX_MONTHS = 24

    start = forms.DateField(label=pgettext_lazy("period", "from"), widget=DateInput)
    end = forms.DateField(label=pgettext_lazy("period", "until"), widget=DateInput)
    county = forms.ModelChoiceField(
        label=_("stationed county"),
        queryset=County.objects,
        required=False,
        empty_label=pgettext_lazy("filter", "All"),
    )
    specialty = SpecialtyChoiceField(
        label=_("specialty"),
        required=False,
        empty_label=pgettext_lazy("filter", "All"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = visible(user, County.objects.all())

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                raise ValidationError(
                    {"end": _("The end date cannot be before the start date.")}
                )
            if (
                end.year - start.year
            ) * 12 + end.month - start.month >= self.MAX_MONTHS:
                raise ValidationError(
                    {"end": _("Choose a period of at most 24 months.")}
                )
        return data


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"))
    file = forms.FileField(
        label=_("File"), help_text=_(".xlsx, or .csv saved as UTF-8 or GBK.")
    )
    dry_run = forms.BooleanField(label=_("Check only, import nothing"), required=False)
    create_accounts = forms.BooleanField(
        label=_("Create accounts"),
        required=False,
        help_text=_(
            "Teachers only: each teacher with an e-mail address and no account yet "
            "gets one, and an e-mail with a link to choose a password."
        ),
    )

    def __init__(self, *args, kinds: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds
