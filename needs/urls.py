from django.urls import path

from common.urls import object_actions

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
    *object_actions(
        "needs/<int:pk>/",
        "{}",
        {
            "edit": views.need_edit,
            "submit": views.need_submit,
            "delete": views.need_delete,
            "cancel": views.need_cancel,
            "confirm": views.need_confirm,
            "reopen": views.need_reopen,
            "review": views.need_review,
        },
    ),
    path("needs/<int:pk>/comments/", views.need_comment, name="comment"),
    *object_actions(
        "needs/<int:pk>/goals/<int:goal_id>/",
        "goal_{}",
        {"mark": views.need_goal_mark, "confirm": views.need_goal_confirm},
    ),
]
