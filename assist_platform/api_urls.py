"""REST API v1 (DESIGN section 6). Each app registers its own viewsets."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from accounts.api import register as register_accounts
from activities.api import register as register_activities
from dashboard.api import register as register_dashboard
from evaluations.api import register as register_evaluations
from matching.api import register as register_matching
from matching.exports import AssignmentExportView
from needs.api import register as register_needs
from planning.api import register as register_planning
from teams.api import register as register_teams

router = DefaultRouter()
extra_urls: list = []
for register in (
    register_accounts,
    register_needs,
    register_teams,
    register_matching,
    register_activities,
    register_planning,
    register_evaluations,
    register_dashboard,
):
    extra_urls += register(router) or []
# Before the router's assignments/{pk}/ (exports of every list).
extra_urls.append(
    path(
        "assignments/export/",
        AssignmentExportView.as_view(),
        name="assignment-export-xlsx",
    )
)

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"
    ),
    *extra_urls,
    *router.urls,
]
