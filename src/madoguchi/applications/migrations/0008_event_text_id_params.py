from django.db import migrations, models


class Migration(migrations.Migration):
    """A timeline line as a message id and its values, shown in the reader's language (issue 13)."""

    dependencies = [
        ("applications", "0007_draft_entered_by"),
    ]

    operations = [
        migrations.AddField(
            model_name="applicationevent",
            name="text_id",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="applicationevent",
            name="params",
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
