# Counties and schools moved to the places app: needs' own foreign keys now name
# them there, and needs' model state forgets them; the tables stay where they are
# and are taken over by places 0001.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0007_counties_and_schools_moved_to_places'),
        ('evaluations', '0009_counties_and_schools_moved_to_places'),
        ('matching', '0012_counties_and_schools_moved_to_places'),
        ('needs', '0010_plan_goal_met_replaced_by_marks'),
        ('places', '0001_counties_and_schools_moved_from_needs'),
        ('teams', '0002_counties_and_schools_moved_to_places'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='school',
                    name='county',
                ),
                migrations.AlterField(
                    model_name='need',
                    name='school',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='needs', to='places.school', verbose_name='school'),
                ),
                migrations.AlterField(
                    model_name='historicalneed',
                    name='school',
                    field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='places.school', verbose_name='school'),
                ),
                migrations.DeleteModel(
                    name='County',
                ),
                migrations.DeleteModel(
                    name='School',
                ),
            ],
            database_operations=[],
        ),
    ]
