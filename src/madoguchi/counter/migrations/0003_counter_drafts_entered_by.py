"""Drafts started at the counter before applications 0007 learn who entered them (書かない窓口):
every visit's draft except one a visitor handed over from their phone (a HandoffCode names the
visit), which stays theirs."""

from django.db import migrations


def mark_counter_drafts(apps, schema_editor):
    CounterVisit = apps.get_model("counter", "CounterVisit")
    HandoffCode = apps.get_model("counter", "HandoffCode")
    Draft = apps.get_model("applications", "Draft")
    handed_over = set(HandoffCode.objects.filter(visit__isnull=False).values_list("visit_id", flat=True))
    for visit_id, draft_id, staff_id in CounterVisit.objects.filter(draft__isnull=False).values_list(
        "pk", "draft_id", "staff_id"
    ):
        if visit_id not in handed_over:
            Draft.objects.filter(pk=draft_id, entered_by__isnull=True).update(entered_by_id=staff_id)


class Migration(migrations.Migration):
    dependencies = [
        ("counter", "0002_handoffcode"),
        ("applications", "0007_draft_entered_by"),
    ]

    operations = [migrations.RunPython(mark_counter_drafts, migrations.RunPython.noop)]
