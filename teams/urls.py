from django.urls import path, re_path

from common.urls import object_actions

from . import views
from .api import IMPORTERS

app_name = "teams"

urlpatterns = [
    path("teams/teachers/", views.teacher_list, name="teacher_list"),
    path("teams/teachers/new/", views.teacher_create, name="teacher_create"),
    path("teams/teachers/export/", views.teacher_export, name="teacher_export"),
    path("teams/teachers/<int:pk>/", views.teacher_edit, name="teacher_edit"),
    *object_actions(
        "teams/teachers/<int:pk>/",
        "teacher_{}",
        {"deactivate": views.teacher_deactivate, "activate": views.teacher_activate},
    ),
    path("teams/", views.team_list, name="team_list"),
    path("teams/new/", views.team_create, name="team_create"),
    path("teams/export/", views.team_export, name="team_export"),
    path("teams/<int:pk>/", views.team_edit, name="team_edit"),
    path("teams/free/", views.who_is_free, name="who_is_free"),
    path("teams/import/", views.import_page, name="import"),
    re_path(
        rf"^teams/import/(?P<kind>{'|'.join(IMPORTERS)})/template/$",
        views.import_template,
        name="import_template",
    ),
]
