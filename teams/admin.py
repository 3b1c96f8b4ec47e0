from django.contrib import admin

from .models import Teacher, TeacherSkill, Team


class TeacherSkillInline(admin.TabularInline):
    model = TeacherSkill
    extra = 1
    autocomplete_fields = ("specialty",)


@admin.register(Teacher)
class TeacherAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "home_school",
        "county",
        "title",
        "available_from",
        "available_until",
        "capacity",
        "can_lead",
        "active",
    )
    list_filter = ("active", "can_lead", "county", "home_school")
    search_fields = ("name", "home_school__name", "skills__specialty__name")
    list_select_related = ("home_school", "county")
    autocomplete_fields = ("home_school", "county")
    raw_id_fields = ("user",)
    inlines = [TeacherSkillInline]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "county", "start_date", "end_date", "leader")
    list_filter = ("county",)
    search_fields = ("name", "members__name")
    filter_horizontal = ("members",)
    raw_id_fields = ("leader",)
