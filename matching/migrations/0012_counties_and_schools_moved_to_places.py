# Counties and schools moved to the places app: the foreign keys that point at
# them name them there. State only: the tables and their constraints stay as they are.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('matching', '0011_unmatched_need_field_names'),
        ('places', '0001_counties_and_schools_moved_from_needs'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='matchingrun',
                    name='county',
                    field=models.ForeignKey(blank=True, help_text='Empty: every county.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='matching_runs', to='places.county', verbose_name='county'),
                ),
            ],
            database_operations=[],
        ),
    ]
