"""Casualty figures become nullable: a figure a report did not state is unknown (NULL), not 0.

What the existing rows can and cannot tell:

- A report with ``has_figures`` false stated no figure at all (both the API and the web form only set the flag
  when at least one figure or the loss was given): its six zeros were invented, and become NULL. This is
  certain.
- A report with ``has_figures`` true stated at least one figure, but older code filled every figure it left out
  with 0, and neither the row nor its audit entry (which recorded the zero-filled set) keeps which ones were
  typed. Such a 0 may have been entered or may have been a blank. These zeros are **kept as 0**: turning them
  into "unknown" would erase zeros that were reported, whereas a kept 0 stays visible on the report, where the
  duty room can see it next to the sender's text. Rows written from now on keep the difference.
- ``direct_loss_cny`` was already nullable on reports, so the loss was always known to be unknown; but the
  incident's figures stored it as 0 when the latest report left it out. Each incident's figures are therefore
  rebuilt from its reports, each figure carrying forward the latest value a report actually gave (per figure,
  not per report), and a figure no report gave is left out (unknown).

The suggested grade is not recomputed here (that needs the rulebook code, which a migration must not import);
it is recomputed with the next report on the incident. A grade some criterion reached is unchanged by this
migration; only a 一般 suggested from invented zeros can differ.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations, models

CASUALTY_FIELDS = ("deaths", "missing", "trapped", "serious_injuries", "injuries", "evacuated")
FIGURE_FIELDS = (*CASUALTY_FIELDS, "direct_loss_cny")


def _forward(apps: Any, schema_editor: Any) -> None:
    Report = apps.get_model("reports", "Report")
    Incident = apps.get_model("incidents", "Incident")
    Report.objects.filter(has_figures=False).update(**{name: None for name in CASUALTY_FIELDS})
    incident_ids = (
        Report.objects.filter(incident__isnull=False)
        .filter(models.Q(has_figures=True) | models.Q(direct_loss_cny__isnull=False))
        .values_list("incident_id", flat=True)
        .distinct()
    )
    for incident_id in incident_ids.iterator():
        figures: dict[str, Any] = {}
        rows = Report.objects.filter(incident_id=incident_id).order_by("received_at", "id").values(*FIGURE_FIELDS)
        for row in rows:
            for name in FIGURE_FIELDS:
                if row[name] is not None:
                    figures[name] = str(row[name]) if name == "direct_loss_cny" else int(row[name])
        Incident.objects.filter(pk=incident_id).update(figures={k: figures[k] for k in FIGURE_FIELDS if k in figures})


def _backward(apps: Any, schema_editor: Any) -> None:
    Report = apps.get_model("reports", "Report")
    for name in CASUALTY_FIELDS:
        Report.objects.filter(**{f"{name}__isnull": True}).update(**{name: 0})


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0004_issue6_loss_limit"),
        ("incidents", "0005_issue9_occurred_index"),
    ]

    operations = [
        *(
            migrations.AlterField(
                model_name="report", name=name, field=models.PositiveIntegerField(blank=True, null=True)
            )
            for name in CASUALTY_FIELDS
        ),
        migrations.RunPython(_forward, _backward, elidable=False),
    ]
