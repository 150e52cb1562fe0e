"""Obligations move from the reports app to their own floor without touching the table (state only).

The table keeps its name, ``reports_obligation``; databases created by earlier versions migrate with no copy.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('accounts', '0001_initial'),
        ('incidents', '0002_incident_initial_severity'),
        ('orgs', '0001_initial'),
        ('reports', '0002_report_incident_optional'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Obligation',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('key', models.CharField(max_length=160, unique=True)),
                        ('kind', models.CharField(choices=[('first_report', '首报'), ('phone_report', '电话报告'), ('written_report', '书面报告'), ('followup', '续报'), ('final_report', '终报'), ('verification_reply', '核报反馈'), ('receipt', '签收确认')], max_length=20)),
                        ('state', models.CharField(choices=[('pending', '待完成'), ('met', '按时'), ('late', '迟报'), ('overdue', '已超时'), ('waived', '已豁免')], default='pending', max_length=10)),
                        ('due_at', models.DateTimeField()),
                        ('anchor_at', models.DateTimeField()),
                        ('rule', models.CharField(max_length=120)),
                        ('met_at', models.DateTimeField(blank=True, null=True)),
                        ('late_by_seconds', models.BigIntegerField(blank=True, null=True)),
                        ('overdue_at', models.DateTimeField(blank=True, null=True)),
                        ('waived_reason', models.TextField(blank=True)),
                        ('waived_at', models.DateTimeField(blank=True, null=True)),
                        ('created_at', models.DateTimeField()),
                        ('incident', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='obligations', to='incidents.incident')),
                        ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='obligations', to='orgs.unit')),
                        ('waived_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('met_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='reports.report')),
                        ('report', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='receipt_obligations', to='reports.report')),
                        ('verification_request', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='obligations', to='reports.verificationrequest')),
                    ],
                    options={
                        'db_table': 'reports_obligation',
                        'ordering': ['due_at', 'id'],
                        'indexes': [models.Index(condition=models.Q(('state', 'pending')), fields=['due_at'], name='obligation_pending_due'), models.Index(fields=['unit', 'state'], name='reports_obl_unit_id_cebc30_idx'), models.Index(fields=['incident', 'kind'], name='reports_obl_inciden_d3a8ec_idx')],
                    },
                ),
            ],
        ),
    ]
