"""Create the single chain-head row up front, so concurrent first writers lock the same row
instead of racing to create it (which could fork the chain on PostgreSQL)."""

from django.db import migrations


def seed(apps, schema_editor):
    head_model = apps.get_model("audit", "AuditChainHead")
    entry_model = apps.get_model("audit", "AuditEntry")
    if not head_model.objects.filter(id=1).exists():
        last = entry_model.objects.order_by("-id").first()
        head_model.objects.create(
            id=1, last_entry_id=last.id if last else 0, last_hash=last.entry_hash if last else "0" * 64
        )


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
