# 停班停課登記: a person's own disaster stop, registered afterwards and granted by the head.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('schedules', '0007_disaster_alerts'),
        ('staff', '0002_district_school_district'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='DisasterStopClaim',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('date', models.DateField(verbose_name='日期')),
                ('start_time', models.TimeField(blank=True, help_text='空白表示從一早開始', null=True, verbose_name='開始時間')),
                ('end_time', models.TimeField(blank=True, help_text='空白表示到當天結束', null=True, verbose_name='結束時間')),
                ('reason', models.CharField(help_text='如「住家道路淹水無法通行」', max_length=200, verbose_name='事由')),
                ('status', models.CharField(choices=[('pending', '待核定'), ('granted', '已核准'), ('refused', '不核准'), ('withdrawn', '已撤回')], default='pending', max_length=10, verbose_name='狀態')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='申請時間')),
                ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='決定時間')),
                ('comment', models.CharField(blank=True, max_length=200, verbose_name='核定意見')),
                ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='核定者')),
                ('staff', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='disaster_stop_claims', to='staff.staffmember', verbose_name='申請人')),
            ],
            options={
                'verbose_name': '停班停課登記',
                'verbose_name_plural': '停班停課登記',
                'ordering': ['-date', '-created_at'],
                'indexes': [models.Index(fields=['staff', 'date', 'status'], name='schedules_d_staff_i_7c7301_idx')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('status__in', ['pending', 'granted'])), fields=('staff', 'date'), name='disaster_stop_claim_one_live_per_day'), models.CheckConstraint(condition=models.Q(('start_time__isnull', True), ('end_time__isnull', True), ('start_time__lt', models.F('end_time')), _connector='OR'), name='disaster_stop_claim_start_before_end')],
            },
        ),
    ]
