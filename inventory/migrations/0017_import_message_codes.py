from django.db import migrations, models


class Migration(migrations.Migration):
    """An import's status message stored as a code and its values, worded when shown; the
    messages written before keep their text, in the column renamed ``message_text``."""

    dependencies = [
        ("inventory", "0016_device_claimable_by_declaration_and_site"),
    ]

    operations = [
        migrations.RenameField(
            model_name="deviceimport",
            old_name="message",
            new_name="message_text",
        ),
        migrations.AlterField(
            model_name="deviceimport",
            name="message_text",
            field=models.TextField(blank=True, verbose_name="message as written"),
        ),
        migrations.AddField(
            model_name="deviceimport",
            name="message_code",
            field=models.CharField(blank=True, max_length=50, verbose_name="message code"),
        ),
        migrations.AddField(
            model_name="deviceimport",
            name="message_params",
            field=models.JSONField(blank=True, default=dict, verbose_name="message values"),
        ),
    ]
