from django.urls import path

from common.urls import object_actions

from . import views

urlpatterns: list = [
    # Matching runs, proposals, a teacher's assignments and the inbox.
    path("matching/runs/", views.run_list, name="matching-runs"),
    path("matching/runs/start/", views.run_start, name="matching-run-start"),
    path("matching/runs/<int:pk>/", views.run_detail, name="matching-run"),
    path(
        "matching/runs/<int:pk>/progress/",
        views.run_progress,
        name="matching-run-progress",
    ),
    path("matching/proposals/", views.proposals, name="matching-proposals"),
    path(
        "matching/proposals/export/",
        views.proposals_export,
        name="matching-proposals-export",
    ),
    path(
        "matching/proposals/accept/",
        views.accept_selected,
        name="matching-accept-selected",
    ),
    *object_actions(
        "matching/assignments/<int:pk>/",
        "assignment-{}",
        {
            "accept": views.assignment_accept,
            "decline": views.assignment_decline,
            "complete": views.assignment_complete,
            "cancel": views.assignment_cancel,
            "clear-decline": views.assignment_clear_decline,
        },
    ),
    path("matching/my-assignments/", views.my_assignments, name="my-assignments"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:pk>/read/", views.inbox_read, name="inbox-read"),
    path("inbox/read-all/", views.inbox_read_all, name="inbox-read-all"),
]
