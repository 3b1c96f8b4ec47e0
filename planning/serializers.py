from rest_framework import serializers

from places.models import County

from .models import Scenario


class ScenarioCreateSerializer(serializers.Serializer):
    county = serializers.PrimaryKeyRelatedField(queryset=County.objects.all())
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    changes = serializers.JSONField()


class ScenarioSerializer(serializers.ModelSerializer):
    county_name = serializers.CharField(source="county.name", read_only=True)
    baseline = serializers.SerializerMethodField()
    projected = serializers.SerializerMethodField()

    class Meta:
        model = Scenario
        fields = [
            "id",
            "name",
            "county",
            "county_name",
            "changes",
            "status",
            "progress",
            "baseline",
            "projected",
            "error",
            "created_at",
            "finished_at",
        ]

    def get_baseline(self, obj) -> dict | None:
        return obj.result.get("baseline")

    def get_projected(self, obj) -> dict | None:
        return obj.result.get("projected")


class ScenarioDetailSerializer(ScenarioSerializer):
    open_places = serializers.SerializerMethodField()
    by_school = serializers.SerializerMethodField()
    by_specialty = serializers.SerializerMethodField()
    reasons = serializers.SerializerMethodField()
    unmatched = serializers.SerializerMethodField()

    class Meta(ScenarioSerializer.Meta):
        fields = [
            *ScenarioSerializer.Meta.fields,
            "open_places",
            "by_school",
            "by_specialty",
            "reasons",
            "unmatched",
        ]

    def get_open_places(self, obj) -> int | None:
        return obj.result.get("open_places")

    def get_by_school(self, obj) -> list:
        return obj.result.get("by_school", [])

    def get_by_specialty(self, obj) -> list:
        return obj.result.get("by_specialty", [])

    def get_reasons(self, obj) -> dict:
        return obj.result.get("reasons", {})

    def get_unmatched(self, obj) -> list:
        return obj.result.get("unmatched", [])
