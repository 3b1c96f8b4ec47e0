# Counties and schools, moved here from needs: the models take over needs' tables
# as they are (state only, no row moves), and their content types follow, so that
# permissions and admin log entries stay attached.

import django.db.models.deletion
from django.db import migrations, models


MODELS = ('county', 'school')


def relabel_content_types(old_label, new_label):
    def relabel(apps, schema_editor):
        ContentType = apps.get_model('contenttypes', 'ContentType')
        content_types = ContentType.objects.using(schema_editor.connection.alias)
        for model in MODELS:
            if not content_types.filter(app_label=new_label, model=model).exists():
                content_types.filter(app_label=old_label, model=model).update(
                    app_label=new_label
                )

    return relabel


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('needs', '0010_plan_goal_met_replaced_by_marks'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='County',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=50, verbose_name='name')),
                        ('province', models.CharField(max_length=50, verbose_name='province')),
                        ('code', models.CharField(help_text='Administrative code.', max_length=12, unique=True, verbose_name='code')),
                        ('neighbours', models.ManyToManyField(blank=True, to='places.county', verbose_name='neighbouring counties')),
                    ],
                    options={
                        'verbose_name': 'county',
                        'verbose_name_plural': 'counties',
                        'db_table': 'needs_county',
                        'ordering': ['province', 'name'],
                    },
                ),
                migrations.CreateModel(
                    name='School',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=100, verbose_name='name')),
                        ('kind', models.CharField(choices=[('assisted', 'Assisted school'), ('supporting', 'Supporting school')], max_length=20, verbose_name='kind')),
                        ('county', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='schools', to='places.county', verbose_name='county')),
                    ],
                    options={
                        'verbose_name': 'school',
                        'verbose_name_plural': 'schools',
                        'db_table': 'needs_school',
                        'ordering': ['county_id', 'name'],
                    },
                ),
                migrations.AddConstraint(
                    model_name='county',
                    constraint=models.UniqueConstraint(fields=('province', 'name'), name='county_unique_name_in_province'),
                ),
                migrations.AddIndex(
                    model_name='school',
                    index=models.Index(fields=['kind', 'county'], name='needs_schoo_kind_f03578_idx'),
                ),
                migrations.AddConstraint(
                    model_name='school',
                    constraint=models.UniqueConstraint(fields=('county', 'name'), name='school_unique_name_in_county'),
                ),
                migrations.AddConstraint(
                    model_name='school',
                    constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['assisted', 'supporting'])), name='school_kind_valid'),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(
            relabel_content_types('needs', 'places'),
            relabel_content_types('places', 'needs'),
        ),
    ]
