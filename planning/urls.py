from django.urls import path

from common.urls import object_actions

from . import proposal_views, views

app_name = "planning"

urlpatterns: list = [
    path("planning/recruitment/", views.recruitment_plan, name="recruitment_plan"),
    path("planning/scenarios/", views.scenario_list, name="scenario_list"),
    path("planning/scenarios/new/", views.scenario_new, name="scenario_new"),
    path("planning/scenarios/<int:pk>/", views.scenario_detail, name="scenario_detail"),
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
    *object_actions(
        "planning/team-proposals/<int:pk>/",
        "proposal_{}",
        {
            "swap": proposal_views.proposal_swap,
            "leader": proposal_views.proposal_leader,
            "confirm": proposal_views.proposal_confirm,
            "again": proposal_views.proposal_again,
        },
    ),
]
