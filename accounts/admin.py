from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_celery_beat import admin as beat_admin
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)
from knox.models import AuthToken

from .models import ApiToken, Notification, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = (
        "username",
        "first_name",
        "last_name",
        "role",
        "school",
        "is_active",
    )
    list_filter = ("role", "is_active", "counties")
    search_fields = ("username", "first_name", "last_name", "email", "school__name")
    filter_horizontal = ("counties", "groups", "user_permissions")
    autocomplete_fields = ("school",)
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Role and scope"), {"fields": ("role", "counties", "school")}),
        (_("Password"), {"fields": ("must_change_password",)}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Role and scope"), {"fields": ("role", "counties", "school")}),
    )


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("title", "user", "created_at", "read_at")
    list_filter = ("read_at",)
    search_fields = ("title", "body", "user__username")
    raw_id_fields = ("user",)


# knox's own admin can issue tokens without an expiry, and names everything in English
# only; here tokens are listed and revoked (deleted) under the platform's proxy model
# and labels. They are issued through the API, with API_TOKEN_TTL.
admin.site.unregister(AuthToken)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("key", "owner", "issued", "expires")
    list_select_related = ("user",)
    search_fields = ("token_key", "user__username")
    fields = readonly_fields = ("key", "owner", "issued", "expires")
    ordering = ("-created",)

    @admin.display(description=_("token key"), ordering="token_key")
    def key(self, token) -> str:
        return token.token_key

    @admin.display(description=_("user"), ordering="user__username")
    def owner(self, token):
        return token.user

    @admin.display(description=_("issued at"), ordering="created")
    def issued(self, token):
        return token.created

    @admin.display(description=_("expires at"), ordering="expiry")
    def expires(self, token):
        return token.expiry

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


def admin_login(request, extra_context=None):
    """The admin's sign-in is the site's throttled sign-in page: the admin's own
    form would check passwords outside the throttle (and answer staff and other
    accounts differently). A signed-in user who is not staff gets 403, not a loop
    of redirects."""
    if request.user.is_authenticated:
        if admin.site.has_permission(request):
            return redirect("admin:index")
        raise PermissionDenied
    return redirect_to_login(
        request.GET.get("next") or reverse("admin:index"), login_url="login"
    )


admin.site.login = admin_login


# -- django-celery-beat in the admin's language --------------------------------------
# Its catalogue translates most of its names; the few it cannot (a plain-string field
# name, properties shown as columns) get labels here. The schedules stay editable.


class PeriodicTaskInline(beat_admin.PeriodicTaskInline):
    fields = readonly_fields = ("name", "task_name", "args", "kwargs")

    @admin.display(description=_("task name"))
    def task_name(self, task) -> str:
        return task.task


class PeriodicTaskAdmin(beat_admin.PeriodicTaskAdmin):
    list_display = (
        "name",
        "enabled",
        "schedule_of",
        "interval",
        "start_time",
        "last_run_at",
        "one_off",
    )
    readonly_fields = ("last_run_at", "crontab_translation")

    @admin.display(description=_("schedule"))
    def schedule_of(self, task):
        return task.scheduler

    @admin.display(description=_("crontab in words"))
    def crontab_translation(self, task):
        return super().crontab_translation(task)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.base_fields["task"].label = _("task name")
        return form


class CrontabScheduleAdmin(beat_admin.CrontabScheduleAdmin):
    inlines = [PeriodicTaskInline]
    list_display = ("__str__", "in_words")
    fields = (
        "in_words",
        "minute",
        "hour",
        "day_of_month",
        "month_of_year",
        "day_of_week",
        "timezone",
    )
    readonly_fields = ("in_words",)

    @admin.display(description=_("crontab in words"))
    def in_words(self, schedule) -> str:
        return schedule.human_readable


def _with_labelled_inline(model_admin):
    return type(model_admin.__name__, (model_admin,), {"inlines": [PeriodicTaskInline]})


for model, model_admin in (
    (PeriodicTask, PeriodicTaskAdmin),
    (CrontabSchedule, CrontabScheduleAdmin),
    (ClockedSchedule, _with_labelled_inline(beat_admin.ClockedScheduleAdmin)),
    (SolarSchedule, _with_labelled_inline(beat_admin.SolarScheduleAdmin)),
    (IntervalSchedule, _with_labelled_inline(beat_admin.IntervalScheduleAdmin)),
):
    admin.site.unregister(model)
    admin.site.register(model, model_admin)
