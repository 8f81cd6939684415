"""BulkUpload and BulkRow, moved here from procedures (procedures 0008). The tables keep their
names, so nothing is created or copied: the models are declared on the existing tables. The
key-rotation checkpoints of the BulkRow field follow the model's new name."""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

OLD_STORE = "procedures.BulkRow.data"
NEW_STORE = "applications.BulkRow.data"


def rename_rotation_store(apps, schema_editor):
    progress = apps.get_model("core", "KeyRotationProgress")
    progress.objects.filter(store=OLD_STORE).update(store=NEW_STORE)


def rename_rotation_store_back(apps, schema_editor):
    progress = apps.get_model("core", "KeyRotationProgress")
    progress.objects.filter(store=NEW_STORE).update(store=OLD_STORE)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_apitoken_from_core"),
        ("applications", "0003_amends"),
        ("core", "0004_keyrotationprogress"),
        ("procedures", "0008_bulk_models_to_applications"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="BulkUpload",
                    fields=[
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="作成日時")),
                        ("updated_at", models.DateTimeField(auto_now=True, verbose_name="更新日時")),
                        (
                            "id",
                            models.UUIDField(
                                default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                            ),
                        ),
                        ("file_name", models.CharField(max_length=255)),
                        ("file_sha256", models.CharField(max_length=64)),
                        ("encoding", models.CharField(blank=True, max_length=20)),
                        (
                            "status",
                            models.CharField(
                                choices=[("checked", "確認待ち"), ("confirmed", "提出済み")],
                                default="checked",
                                max_length=12,
                            ),
                        ),
                        ("total_rows", models.PositiveIntegerField(default=0)),
                        ("valid_rows", models.PositiveIntegerField(default=0)),
                        ("confirmed_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "organization",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="bulk_uploads",
                                to="accounts.organization",
                            ),
                        ),
                        (
                            "procedure",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="bulk_uploads",
                                to="procedures.procedure",
                            ),
                        ),
                        (
                            "uploaded_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "version",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="procedures.procedureversion",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "procedures_bulkupload",
                        "ordering": ["-created_at"],
                    },
                ),
                migrations.CreateModel(
                    name="BulkRow",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("number", models.PositiveIntegerField()),
                        ("data", models.JSONField(default=dict)),
                        ("errors", models.JSONField(default=dict)),
                        (
                            "application",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="applications.application",
                            ),
                        ),
                        (
                            "upload",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="rows",
                                to="applications.bulkupload",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "procedures_bulkrow",
                        "ordering": ["upload_id", "number"],
                    },
                ),
                migrations.AddConstraint(
                    model_name="bulkupload",
                    constraint=models.UniqueConstraint(
                        fields=("procedure", "file_sha256"), name="bulk_upload_file_once"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="bulkrow",
                    constraint=models.UniqueConstraint(fields=("upload", "number"), name="bulk_row_unique"),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(rename_rotation_store, rename_rotation_store_back),
    ]
