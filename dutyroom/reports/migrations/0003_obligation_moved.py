"""The Obligation model now belongs to ``dutyroom.obligations`` (same table; state only)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0002_report_incident_optional'),
        ('obligations', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[migrations.DeleteModel(name='Obligation')],
        ),
    ]
