"""Forms of the account pages: shapes and choices only; the services decide."""

from django import forms
from django.apps import apps
from django.contrib.auth.forms import PasswordChangeForm as BasePasswordChangeForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from places.models import School, SchoolKind

from .models import Role
from .scopes import visible


class TeacherRecordField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name}（{obj.home_school.name} · {obj.county.name}）"


class SchoolField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name}（{obj.county.name}）"


class PersonForm(forms.Form):
    """A new account for a dispatched teacher or a school's staff member."""

    role = forms.TypedChoiceField(
        label=_("role"),
        choices=[
            (Role.TEACHER, Role.TEACHER.label),
            (Role.SCHOOL_STAFF, Role.SCHOOL_STAFF.label),
        ],
        widget=forms.RadioSelect,
    )
    teacher = TeacherRecordField(
        label=_("teacher record"),
        queryset=None,
        required=False,
        help_text=_("For a dispatched teacher: their record in the teacher pool."),
    )
    school = SchoolField(
        label=_("school"),
        queryset=None,
        required=False,
        help_text=_("For school staff: the assisted school they speak for."),
    )
    name = forms.CharField(
        label=pgettext_lazy("person", "name"),
        max_length=150,
        required=False,
        help_text=_("Empty for a teacher: the name of the teacher record."),
    )
    email = forms.EmailField(
        label=_("e-mail address"),
        help_text=_("The one-time link to choose a password is sent here."),
    )
    username = forms.CharField(
        label=_("username"),
        max_length=150,
        required=False,
        help_text=_("Empty: the e-mail address."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        teacher_model = apps.get_model("teams", "Teacher")
        self.fields["teacher"].queryset = (
            visible(user, teacher_model.objects.all())
            .filter(user__isnull=True)
            .select_related("home_school", "county")
            .order_by("county__name", "name")
        )
        self.fields["school"].queryset = (
            visible(user, School.objects.filter(kind=SchoolKind.ASSISTED))
            .select_related("county")
            .order_by("county__name", "name")
        )


class PasswordChangeForm(BasePasswordChangeForm):
    """Django's form, refusing the old password as the new one (a temporary
    password must really be replaced)."""

    def clean(self):
        cleaned = super().clean()
        new = cleaned.get("new_password1")
        if new and self.user.check_password(new):
            self.add_error(
                "new_password1",
                _("Choose a password different from the one you signed in with."),
            )
        return cleaned
