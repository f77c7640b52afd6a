"""The devices each document is about, by their codes, read back from what the documents
already issued printed (their stored context)."""

import django.db.models.deletion
from django.db import migrations, models


def _codes(kind: str, context: dict) -> set[str]:
    """The device codes a document's stored context names, by kind."""
    if kind == "collection_note":
        return {device.get("code") for device in context.get("devices") or []}
    if kind in ("erasure_certificate", "erasure_batch_certificate"):
        codes = {line.get("code") for line in context.get("lines") or []}
        return codes | {context.get("device_code")}
    if kind == "label_sheet":
        return {label.get("code") for sheet in context.get("sheets") or [] for label in sheet}
    if kind == "waste_register":
        return {code for line in context.get("lines") or [] for code in line.get("devices") or []}
    return set()


def link_devices(apps, schema_editor):
    Document = apps.get_model("documents", "Document")
    DocumentDevice = apps.get_model("documents", "DocumentDevice")
    links = []
    for pk, kind, context in Document.objects.values_list("pk", "kind", "context").iterator():
        for code in sorted(code for code in _codes(kind, context or {}) if code):
            links.append(DocumentDevice(document_id=pk, device_code=code))
        if len(links) >= 5000:
            DocumentDevice.objects.bulk_create(links)
            links = []
    DocumentDevice.objects.bulk_create(links)


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0003_handoff_heartbeat"),
    ]

    operations = [
        migrations.CreateModel(
            name="DocumentDevice",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("device_code", models.CharField(max_length=32, verbose_name="device code")),
                (
                    "document",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="device_links",
                        to="documents.document",
                        verbose_name="document",
                    ),
                ),
            ],
            options={
                "verbose_name": "device of a document",
                "verbose_name_plural": "devices of documents",
                "indexes": [models.Index(fields=["device_code"], name="documents_device_code")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("document", "device_code"),
                        name="documents_documentdevice_unique_document_device",
                    )
                ],
            },
        ),
        migrations.RunPython(link_devices, migrations.RunPython.noop),
    ]
