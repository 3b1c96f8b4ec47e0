from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from knox.models import AuthToken

from .models import Notification, User


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


# knox's own admin can issue tokens without an expiry; here tokens are only listed
# and revoked (deleted). They are issued through the API, with API_TOKEN_TTL.
admin.site.unregister(AuthToken)


@admin.register(AuthToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("token_key", "user", "created", "expiry")
    list_select_related = ("user",)
    search_fields = ("token_key", "user__username")
    fields = readonly_fields = ("token_key", "user", "created", "expiry")

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
