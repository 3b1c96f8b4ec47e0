# Counties and schools moved to the places app: the foreign keys that point at
# them name them there. State only: the tables and their constraints stay as they are.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('places', '0001_counties_and_schools_moved_from_needs'),
        ('teams', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='teacher',
                    name='county',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='teachers', to='places.county', verbose_name='stationed county'),
                ),
                migrations.AlterField(
                    model_name='teacher',
                    name='home_school',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='dispatched_teachers', to='places.school', verbose_name='home school'),
                ),
                migrations.AlterField(
                    model_name='team',
                    name='county',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='teams', to='places.county', verbose_name='county'),
                ),
            ],
            database_operations=[],
        ),
    ]
