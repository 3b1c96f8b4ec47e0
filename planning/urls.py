from django.urls import path

from . import views

app_name = "planning"

urlpatterns: list = [
    path(
        "planning/recruitment/",
        views.recruitment_plan,
        name="recruitment_plan",
    ),
    path("planning/scenarios/", views.scenario_list, name="scenario_list"),
    path(
        "planning/scenarios/<int:pk>/",
        views.scenario_detail,
        name="scenario_detail",
    ),
]
