# Activity logs, their evidence and history moved to the activities app: only
# matching's model state forgets them; the tables stay where they are and are
# taken over by activities 0001.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('matching', '0009_activity_evidence_and_names_reached'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='ActivityAttachment'),
                migrations.DeleteModel(name='HistoricalActivity'),
                migrations.DeleteModel(name='Activity'),
            ],
            database_operations=[],
        ),
    ]
