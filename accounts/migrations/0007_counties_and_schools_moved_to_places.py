# Counties and schools moved to the places app: the foreign keys that point at
# them name them there. State only: the tables and their constraints stay as they are.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0006_must_change_password_and_api_token_names'),
        ('places', '0001_counties_and_schools_moved_from_needs'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='user',
                    name='counties',
                    field=models.ManyToManyField(blank=True, help_text='Counties a coordinator is responsible for.', related_name='coordinators', to='places.county', verbose_name='counties'),
                ),
                migrations.AlterField(
                    model_name='user',
                    name='school',
                    field=models.ForeignKey(blank=True, help_text='The assisted school a school staff account speaks for.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='staff', to='places.school', verbose_name='school'),
                ),
            ],
            database_operations=[],
        ),
    ]
