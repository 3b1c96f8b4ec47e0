from django.urls import path

from . import views

urlpatterns = [
    path("me/", views.profile, name="profile"),
    path("me/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password-reset/",
        views.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "accounts/password-reset/sent/",
        views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/people/", views.people, name="people"),
    path("accounts/people/new/", views.person_create, name="person_create"),
    path("accounts/people/<int:pk>/resend/", views.person_resend, name="person_resend"),
    path(
        "accounts/people/<int:pk>/temporary-password/",
        views.person_temporary_password,
        name="person_temporary_password",
    ),
    path(
        "accounts/invitation/<uidb64>/<token>/",
        views.InvitationAcceptView.as_view(),
        name="invitation_accept",
    ),
    path(
        "accounts/password-reset/done/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
