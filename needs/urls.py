from django.urls import path

from . import views

app_name = "needs"

urlpatterns = [
    path("needs/", views.need_list, name="list"),
    path("needs/new/", views.need_create, name="create"),
    path("needs/export/", views.need_export, name="export"),
    path("needs/review/", views.review_queue, name="review_queue"),
    path("needs/goals/to-confirm/", views.goals_to_confirm, name="goals_to_confirm"),
    path("needs/specialties/", views.specialty_options, name="specialty_options"),
    path("needs/<int:pk>/", views.need_detail, name="detail"),
    path("needs/<int:pk>/edit/", views.need_edit, name="edit"),
    path("needs/<int:pk>/submit/", views.need_submit, name="submit"),
    path("needs/<int:pk>/delete/", views.need_delete, name="delete"),
    path("needs/<int:pk>/cancel/", views.need_cancel, name="cancel"),
    path("needs/<int:pk>/confirm/", views.need_confirm, name="confirm"),
    path("needs/<int:pk>/reopen/", views.need_reopen, name="reopen"),
    path("needs/<int:pk>/review/", views.need_review, name="review"),
    path("needs/<int:pk>/comments/", views.need_comment, name="comment"),
    path(
        "needs/<int:pk>/goals/<int:goal_id>/mark/",
        views.need_goal_mark,
        name="goal_mark",
    ),
    path(
        "needs/<int:pk>/goals/<int:goal_id>/confirm/",
        views.need_goal_confirm,
        name="goal_confirm",
    ),
]
