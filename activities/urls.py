from django.urls import path

from common.urls import object_actions

from . import views

app_name = "activities"

urlpatterns = [
    path("activities/", views.activity_list, name="list"),
    path("activities/new/", views.activity_new, name="new"),
    path("activities/export/", views.activity_export, name="export"),
    *object_actions(
        "activities/<int:pk>/",
        "{}",
        {"dispute": views.activity_dispute, "dismiss-dispute": views.activity_dismiss},
    ),
]
