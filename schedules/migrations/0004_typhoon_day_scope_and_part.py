# Disaster stops: scope (city, districts, school), work and classes apart, part of a day.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('schedules', '0003_timetables'),
        ('staff', '0002_district_school_district'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='typhoonday',
            name='typhoon_day_unique_all',
        ),
        migrations.AddField(
            model_name='typhoonday',
            name='districts',
            field=models.ManyToManyField(blank=True, help_text='範圍為部分行政區時選擇', related_name='typhoon_days', to='staff.district', verbose_name='行政區'),
        ),
        migrations.AddField(
            model_name='typhoonday',
            name='end_time',
            field=models.TimeField(blank=True, help_text='空白表示到當天結束', null=True, verbose_name='結束時間'),
        ),
        migrations.AddField(
            model_name='typhoonday',
            name='scope',
            field=models.CharField(choices=[('city', '全市'), ('districts', '部分行政區'), ('school', '單一學校')], default='city', max_length=10, verbose_name='範圍'),
        ),
        migrations.AddField(
            model_name='typhoonday',
            name='source_ref',
            field=models.CharField(blank=True, help_text='例如警報的識別碼', max_length=200, verbose_name='來源'),
        ),
        migrations.AddField(
            model_name='typhoonday',
            name='start_time',
            field=models.TimeField(blank=True, help_text='空白表示從一早開始', null=True, verbose_name='開始時間'),
        ),
        migrations.AddField(
            model_name='typhoonday',
            name='stops_classes',
            field=models.BooleanField(default=True, verbose_name='停止上課'),
        ),
        migrations.AddField(
            model_name='typhoonday',
            name='stops_work',
            field=models.BooleanField(default=True, verbose_name='停止上班'),
        ),
        migrations.AlterField(
            model_name='typhoonday',
            name='school',
            field=models.ForeignKey(blank=True, help_text='範圍為單一學校時填寫', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='typhoon_days', to='staff.school', verbose_name='學校'),
        ),
    ]
