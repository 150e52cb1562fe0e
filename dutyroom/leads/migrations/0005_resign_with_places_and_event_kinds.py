from django.db import migrations


def resign(apps, schema_editor):
    """Stored duplicate signatures now carry the places and event kinds a text names, and canonical wording:
    sign the stored leads and incidents again so old ones compare like new ones. The incident rows keep
    ``checked_at``, so no incident is checked for duplicates twice."""
    from dutyroom.leads import gazetteer
    from dutyroom.leads.similarity import Signature

    Unit = apps.get_model("orgs", "Unit")
    Lead = apps.get_model("leads", "Lead")
    IncidentSignature = apps.get_model("leads", "IncidentSignature")
    places = gazetteer.build(Unit.objects.values_list("code", "name", "kind", "parent__code"), gazetteer.file_lines())
    batch = []
    for lead in Lead.objects.only("id", "title", "text").iterator(chunk_size=2000):
        signature = Signature.of(lead.title, lead.text, places=places)
        lead.shingles, lead.kinds = signature.shingles, signature.kinds
        batch.append(lead)
        if len(batch) == 2000:
            Lead.objects.bulk_update(batch, ["shingles", "kinds"])
            batch = []
    Lead.objects.bulk_update(batch, ["shingles", "kinds"])
    rows = []
    for row in IncidentSignature.objects.select_related("incident").iterator(chunk_size=2000):
        signature = Signature.of(row.incident.title, row.incident.address, places=places)
        row.shingles, row.kinds = signature.shingles, signature.kinds
        rows.append(row)
        if len(rows) == 2000:
            IncidentSignature.objects.bulk_update(rows, ["shingles", "kinds"])
            rows = []
    IncidentSignature.objects.bulk_update(rows, ["shingles", "kinds"])


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0004_warning_reason"),
        ("orgs", "0001_initial"),
    ]

    operations = [migrations.RunPython(resign, migrations.RunPython.noop)]
