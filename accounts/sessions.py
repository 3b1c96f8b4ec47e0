"""The session engine named by ``SESSION_ENGINE``: browser sessions in the database,
each row knowing the account signed in to it (see ``accounts.models.UserSession``)."""

from .models import SessionStore

__all__ = ["SessionStore"]
