from django.urls import path

from common.urls import object_actions

from . import views

app_name = "evaluations"

urlpatterns = [
    path("evaluations/cycles/", views.cycle_list, name="cycles"),
    path("evaluations/cycles/<int:pk>/", views.cycle_detail, name="cycle"),
    *object_actions(
        "evaluations/cycles/<int:pk>/",
        "cycle-{}",
        {"open": views.cycle_open, "close": views.cycle_close},
    ),
    path("evaluations/cycles/<int:pk>/results/", views.results, name="results"),
    path(
        "evaluations/cycles/<int:pk>/results.xlsx",
        views.results_export,
        name="results-export",
    ),
    path("evaluations/results/<int:pk>/appeal/", views.appeal_new, name="appeal-new"),
    path(
        "evaluations/appeals/<int:pk>/answer/",
        views.appeal_answer,
        name="appeal-answer",
    ),
    path("evaluations/honour-roll/", views.honour_roll, name="honour-roll"),
    path("evaluations/tasks/", views.tasks, name="tasks"),
    path("evaluations/tasks/<int:pk>/", views.rate, name="rate"),
    path(
        "evaluations/results/<int:pk>/certificate.pdf",
        views.certificate,
        name="certificate",
    ),
    path("evaluations/frameworks/", views.framework_list, name="frameworks"),
    path("evaluations/frameworks/<int:pk>/", views.framework_detail, name="framework"),
]
