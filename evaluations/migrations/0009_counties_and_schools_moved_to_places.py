# Counties and schools moved to the places app: the foreign keys that point at
# them name them there. State only: the tables and their constraints stay as they are.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('evaluations', '0008_field_names_in_chinese'),
        ('places', '0001_counties_and_schools_moved_from_needs'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='evaluation',
                    name='school',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='evaluations', to='places.school', verbose_name='school'),
                ),
                migrations.AlterField(
                    model_name='evaluationcycle',
                    name='county',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='evaluation_cycles', to='places.county', verbose_name='county'),
                ),
                migrations.AlterField(
                    model_name='framework',
                    name='county',
                    field=models.ForeignKey(blank=True, help_text='Empty: a framework of the programme, kept by the admins.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='evaluation_frameworks', to='places.county', verbose_name='owned by county'),
                ),
            ],
            database_operations=[],
        ),
    ]
