# Districts (行政區): disaster stops are declared for them, so a school names its own.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('staff', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='District',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(help_text='如「苓雅區」', max_length=20, unique=True, verbose_name='行政區')),
                ('code', models.CharField(blank=True, help_text='政府的行政區代碼，如 6400400', max_length=20, verbose_name='行政區代碼')),
            ],
            options={
                'verbose_name': '行政區',
                'verbose_name_plural': '行政區',
                'ordering': ['name'],
            },
        ),
        migrations.AddField(
            model_name='school',
            name='district',
            field=models.ForeignKey(blank=True, help_text='停班停課常以行政區宣布', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='schools', to='staff.district', verbose_name='行政區'),
        ),
    ]
