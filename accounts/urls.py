from django.urls import path

from . import views

urlpatterns = [
    path("me/", views.profile, name="profile"),
    path("me/password/", views.PasswordChangeView.as_view(), name="password_change"),
]
