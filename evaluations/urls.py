from django.urls import path

from . import views

app_name = "evaluations"

urlpatterns = [
    path("evaluations/cycles/", views.cycle_list, name="cycles"),
    path("evaluations/cycles/<int:pk>/", views.cycle_detail, name="cycle"),
    path("evaluations/cycles/<int:pk>/open/", views.cycle_open, name="cycle-open"),
    path("evaluations/cycles/<int:pk>/close/", views.cycle_close, name="cycle-close"),
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
    path(
        "evaluations/frameworks/<int:pk>/",
        views.framework_detail,
        name="framework",
    ),
]
