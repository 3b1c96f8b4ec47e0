from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from accounts.views import ThrottledLoginView

from . import views

admin.site.site_header = _("Group-assistance platform administration")
admin.site.site_title = _("Group-assistance platform")

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.health, name="health"),
    path("accounts/login/", ThrottledLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("assist_platform.api_urls")),
    path("", include("accounts.urls")),
    path("", include("needs.urls")),
    path("", include("teams.urls")),
    path("", include("activities.urls")),
    path("", include("planning.urls")),
    path("", include("matching.urls")),
    path("", include("evaluations.urls")),
    path("", include("dashboard.urls")),
]

handler400 = "assist_platform.views.bad_request"
handler403 = "assist_platform.views.permission_denied"
handler404 = "assist_platform.views.page_not_found"
handler500 = "assist_platform.views.server_error"
