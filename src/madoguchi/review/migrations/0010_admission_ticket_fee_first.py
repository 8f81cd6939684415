from django.db import migrations, models


class Migration(migrations.Migration):
    """受験票: whether the application's own fee holds the ticket, asked of payments (issue 13)."""

    dependencies = [
        ("review", "0009_step_slot_person_field"),
    ]

    operations = [
        migrations.AddField(
            model_name="admissionticket",
            name="fee_first",
            field=models.BooleanField(blank=True, null=True),
        ),
    ]
