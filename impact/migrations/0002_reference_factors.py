"""The first version of the impact factors and targets, from Boucle's data/ folder."""

from django.db import migrations


def load(apps, schema_editor):
    from impact import reference_data

    reference_data.install_first_version(
        apps.get_model("impact", "FactorVersion"),
        apps.get_model("impact", "CategoryFactor"),
        apps.get_model("impact", "RegulatoryTarget"),
    )


class Migration(migrations.Migration):
    dependencies = [("impact", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
