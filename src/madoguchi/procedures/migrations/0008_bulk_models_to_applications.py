"""BulkUpload and BulkRow move to the applications app (issue 12: bulk submission belongs to
applications). Only Django's idea of the models moves: the tables keep their names
(``procedures_bulkupload``, ``procedures_bulkrow``) and their rows; applications 0004 takes
the models over."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("procedures", "0007_amends"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="bulkupload", name="organization"),
                migrations.RemoveField(model_name="bulkupload", name="procedure"),
                migrations.RemoveField(model_name="bulkupload", name="uploaded_by"),
                migrations.RemoveField(model_name="bulkupload", name="version"),
                migrations.DeleteModel(name="BulkRow"),
                migrations.DeleteModel(name="BulkUpload"),
            ],
            database_operations=[],
        ),
    ]
