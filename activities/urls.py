from django.urls import path

from . import views

app_name = "activities"

urlpatterns = [
    path("activities/", views.activity_list, name="list"),
    path("activities/new/", views.activity_new, name="new"),
    path("activities/export/", views.activity_export, name="export"),
    path("activities/<int:pk>/dispute/", views.activity_dispute, name="dispute"),
    path(
        "activities/<int:pk>/dismiss-dispute/",
        views.activity_dismiss,
        name="dismiss-dispute",
    ),
]
