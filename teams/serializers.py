"""Serializers of the teachers and teams API: shapes and types only; the rules
(scope of the county, leader among the members, ranges) live in ``services``."""

from rest_framework import serializers

from accounts.scopes import sees_teacher_contact
from needs.models import Specialty
from needs.serializers import ScopedPrimaryKeyRelatedField
from places.models import County, School, SchoolKind

from .models import Teacher, Team


class SkillSerializer(serializers.Serializer):
    specialty = serializers.PrimaryKeyRelatedField(queryset=Specialty.objects.all())
    level = serializers.IntegerField(min_value=1, max_value=5)


CONTACT_HELP = (
    "Null unless the caller may see the teacher's contact details: the teacher, "
    "the coordinators of the teacher's county, the admins, and the staff of a "
    "school the teacher serves on an accepted assignment."
)


class TeacherSerializer(serializers.ModelSerializer):
    home_school = serializers.PrimaryKeyRelatedField(
        queryset=School.objects.filter(kind=SchoolKind.SUPPORTING)
    )
    county = ScopedPrimaryKeyRelatedField(queryset=County.objects.all())
    skills = SkillSerializer(many=True, required=False)
    capacity = serializers.IntegerField(min_value=1, max_value=5, required=False)
    phone = serializers.CharField(
        max_length=30,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text=CONTACT_HELP,
    )
    email = serializers.EmailField(
        source="user.email",
        read_only=True,
        allow_null=True,
        help_text="The e-mail of the teacher's account. " + CONTACT_HELP,
    )

    class Meta:
        model = Teacher
        fields = [
            "id",
            "name",
            "home_school",
            "title",
            "county",
            "skills",
            "available_from",
            "available_until",
            "capacity",
            "can_lead",
            "active",
            "phone",
            "email",
        ]
        validators: list = []  # uniqueness is checked by the service, per field

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if not sees_teacher_contact(getattr(request, "user", None), instance):
            data["phone"] = data["email"] = None
        return data


class TeamSerializer(serializers.ModelSerializer):
    county = ScopedPrimaryKeyRelatedField(queryset=County.objects.all())
    leader = ScopedPrimaryKeyRelatedField(
        queryset=Teacher.objects.all(), allow_null=True, required=False
    )
    members = ScopedPrimaryKeyRelatedField(
        queryset=Teacher.objects.all(), many=True, required=False
    )

    class Meta:
        model = Team
        fields = ["id", "name", "county", "start_date", "end_date", "leader", "members"]
        validators: list = []


class ImportProblemSerializer(serializers.Serializer):
    row = serializers.IntegerField(
        allow_null=True, help_text="Row number as the spreadsheet shows it."
    )
    column = serializers.CharField(allow_null=True)
    value = serializers.CharField()
    message = serializers.CharField()


class ImportReportSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["teachers", "schools", "needs"])
    ok = serializers.BooleanField(help_text="False: nothing was imported.")
    dry_run = serializers.BooleanField()
    encoding = serializers.CharField(help_text="The detected encoding of a CSV.")
    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    error_count = serializers.IntegerField()
    errors = ImportProblemSerializer(many=True)
    ignored_columns = serializers.ListField(child=serializers.CharField())
    accounts_created = serializers.IntegerField(
        required=False,
        help_text="Teachers only: accounts created (with `create_accounts`).",
    )
    accounts_missing = serializers.IntegerField(
        required=False,
        help_text="Teachers only: rows with an e-mail address whose teacher had no "
        "account.",
    )


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        allow_empty_file=True, help_text=".xlsx or .csv (UTF-8 or GBK)."
    )
    dry_run = serializers.BooleanField(
        required=False, default=False, help_text="Check only; write nothing."
    )
    create_accounts = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Teachers only: an account, and an e-mailed one-time link to "
        "choose a password, for each teacher with an e-mail address and no "
        "account yet. Ignored for other kinds.",
    )
