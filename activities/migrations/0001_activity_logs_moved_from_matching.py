# Activity logs, their evidence and history, moved here from matching: the models
# take over matching's tables as they are (state only, no row moves), and their
# content types follow, so that permissions and admin log entries stay attached.

import django.db.models.deletion
import needs.attachments
import simple_history.models
from django.conf import settings
from django.db import migrations, models

MODELS = ('activity', 'historicalactivity', 'activityattachment')


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
        ('matching', '0010_activities_moved_to_their_own_app'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Activity',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('date', models.DateField(verbose_name='date')),
                        ('kind', models.CharField(choices=[('lesson', 'Lesson'), ('mentoring', 'Mentoring'), ('training', 'Training'), ('curriculum', 'Curriculum work'), ('other', 'Other')], max_length=20, verbose_name='kind')),
                        ('hours', models.DecimalField(decimal_places=1, max_digits=4, verbose_name='hours')),
                        ('local_teachers_reached', models.PositiveIntegerField(default=0, verbose_name='local teachers reached')),
                        ('students_reached', models.PositiveIntegerField(default=0, verbose_name='students reached')),
                        ('reached_names', models.TextField(blank=True, verbose_name='names of the local teachers reached')),
                        ('note', models.TextField(blank=True, verbose_name='note')),
                        ('disputed', models.BooleanField(default=False, verbose_name='disputed')),
                        ('dispute_reason', models.TextField(blank=True, verbose_name='dispute reason')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                        ('assignment', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='activities', to='matching.assignment', verbose_name='assignment')),
                    ],
                    options={
                        'verbose_name': 'activity',
                        'verbose_name_plural': 'activities',
                        'db_table': 'matching_activity',
                        'ordering': ['-date', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='ActivityAttachment',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('file', models.FileField(max_length=200, upload_to=needs.attachments._upload_to, verbose_name='file')),
                        ('name', models.CharField(max_length=100, verbose_name='file name')),
                        ('content_type', models.CharField(choices=[('image/jpeg', 'image/jpeg'), ('image/png', 'image/png'), ('image/webp', 'image/webp'), ('application/pdf', 'application/pdf')], max_length=40, verbose_name='content type')),
                        ('size', models.PositiveIntegerField(verbose_name='size')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                        ('activity', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='attachments', to='activities.activity', verbose_name='activity')),
                    ],
                    options={
                        'verbose_name': 'activity attachment',
                        'verbose_name_plural': 'activity attachments',
                        'db_table': 'matching_activityattachment',
                        'ordering': ['id'],
                        'abstract': False,
                    },
                ),
                migrations.CreateModel(
                    name='HistoricalActivity',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('date', models.DateField(verbose_name='date')),
                        ('kind', models.CharField(choices=[('lesson', 'Lesson'), ('mentoring', 'Mentoring'), ('training', 'Training'), ('curriculum', 'Curriculum work'), ('other', 'Other')], max_length=20, verbose_name='kind')),
                        ('hours', models.DecimalField(decimal_places=1, max_digits=4, verbose_name='hours')),
                        ('local_teachers_reached', models.PositiveIntegerField(default=0, verbose_name='local teachers reached')),
                        ('students_reached', models.PositiveIntegerField(default=0, verbose_name='students reached')),
                        ('reached_names', models.TextField(blank=True, verbose_name='names of the local teachers reached')),
                        ('note', models.TextField(blank=True, verbose_name='note')),
                        ('disputed', models.BooleanField(default=False, verbose_name='disputed')),
                        ('dispute_reason', models.TextField(blank=True, verbose_name='dispute reason')),
                        ('created_at', models.DateTimeField(blank=True, editable=False, verbose_name='created at')),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('assignment', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='matching.assignment', verbose_name='assignment')),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'historical activity',
                        'verbose_name_plural': 'historical activities',
                        'db_table': 'matching_historicalactivity',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.AddIndex(
                    model_name='activity',
                    index=models.Index(fields=['assignment', 'date'], name='matching_ac_assignm_c14fb0_idx'),
                ),
                migrations.AddConstraint(
                    model_name='activity',
                    constraint=models.CheckConstraint(condition=models.Q(('hours__gt', 0), ('hours__lte', 24)), name='activity_hours_0_24', violation_error_message='Hours must be more than 0 and at most 24.'),
                ),
                migrations.AddConstraint(
                    model_name='activity',
                    constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['lesson', 'mentoring', 'training', 'curriculum', 'other'])), name='activity_kind_valid'),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(
            relabel_content_types('matching', 'activities'),
            relabel_content_types('activities', 'matching'),
        ),
    ]
