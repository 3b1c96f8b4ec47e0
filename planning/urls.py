from django.urls import path

from . import proposal_views, views

app_name = "planning"

urlpatterns: list = [
    path(
        "planning/recruitment/",
        views.recruitment_plan,
        name="recruitment_plan",
    ),
    path("planning/scenarios/", views.scenario_list, name="scenario_list"),
    path("planning/scenarios/new/", views.scenario_new, name="scenario_new"),
    path(
        "planning/scenarios/<int:pk>/",
        views.scenario_detail,
        name="scenario_detail",
    ),
    path(
        "planning/team-proposals/",
        proposal_views.proposal_list,
        name="proposal_list",
    ),
    path(
        "planning/team-proposals/<int:pk>/",
        proposal_views.proposal_detail,
        name="proposal_detail",
    ),
    path(
        "planning/team-proposals/<int:pk>/swap/",
        proposal_views.proposal_swap,
        name="proposal_swap",
    ),
    path(
        "planning/team-proposals/<int:pk>/leader/",
        proposal_views.proposal_leader,
        name="proposal_leader",
    ),
    path(
        "planning/team-proposals/<int:pk>/confirm/",
        proposal_views.proposal_confirm,
        name="proposal_confirm",
    ),
    path(
        "planning/team-proposals/<int:pk>/again/",
        proposal_views.proposal_again,
        name="proposal_again",
    ),
]
