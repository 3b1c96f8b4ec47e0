"""Browser sessions in the database, each row knowing the account signed in to it,
so that a password change or a deactivation can end that account's sessions
(``SESSION_ENGINE = "accounts.sessions"``; the documented way of extending Django's
database session engine)."""

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore


class SessionStore(DatabaseSessionStore):
    @classmethod
    def get_model_class(cls):
        from .models import UserSession

        return UserSession

    def create_model_instance(self, data):
        instance = super().create_model_instance(data)
        try:
            instance.user_id = int(data.get("_auth_user_id"))
        except (TypeError, ValueError):
            instance.user_id = None
        return instance
