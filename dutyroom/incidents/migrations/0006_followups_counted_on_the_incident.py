"""The incident keeps the number of its last follow-up report, so the next is numbered without counting rows.

Backfilled from the reports already filed: the highest follow-up number on each incident (numbers were the count
plus one, so this equals the count wherever nothing was deleted, and is never below a number already used)."""

from django.db import migrations, models

BACKFILL = """
UPDATE incidents_incident SET followups = (
    SELECT COALESCE(MAX(r.number), 0) FROM reports_report r
    WHERE r.incident_id = incidents_incident.id AND r.kind = 'followup'
)
WHERE EXISTS (
    SELECT 1 FROM reports_report r WHERE r.incident_id = incidents_incident.id AND r.kind = 'followup'
)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0005_issue9_occurred_index"),
        ("reports", "0005_unknown_figures_are_null"),
    ]

    operations = [
        migrations.AddField(
            model_name="incident",
            name="followups",
            field=models.PositiveIntegerField(default=0, db_default=0),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
    ]
