"""API tokens move from rest_framework.authtoken (keys stored in clear, no expiry) to
django-rest-knox (a SHA-512 digest and an expiry). Each existing key keeps working,
as the same ``Authorization: Token <key>``, until API_TOKEN_TTL from now; then the
old table, which holds the keys in clear, is dropped."""

from datetime import timedelta

from django.conf import settings
from django.db import migrations
from django.utils import timezone

OLD_TABLE = "authtoken_token"


def carry_over_tokens(apps, schema_editor):
    from knox.crypto import hash_token
    from knox.settings import CONSTANTS

    connection = schema_editor.connection
    if OLD_TABLE not in connection.introspection.table_names():
        return
    AuthToken = apps.get_model("knox", "AuthToken")
    expiry = timezone.now() + timedelta(seconds=settings.API_TOKEN_TTL)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key, user_id FROM {schema_editor.quote_name(OLD_TABLE)}")  # noqa: S608 - a constant
        rows = cursor.fetchall()
    AuthToken.objects.bulk_create(
        AuthToken(
            digest=hash_token(key),
            token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH],
            user_id=user_id,
            expiry=expiry,
        )
        for key, user_id in rows
    )
    schema_editor.execute(f"DROP TABLE {schema_editor.quote_name(OLD_TABLE)}")
    schema_editor.execute("DELETE FROM django_migrations WHERE app = 'authtoken'")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_user_sessions"),
        ("knox", "0009_extend_authtoken_field"),
    ]

    operations = [
        migrations.RunPython(carry_over_tokens, migrations.RunPython.noop),
    ]
