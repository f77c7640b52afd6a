"""The first version of the impact factors and targets, from Boucle's data/ folder."""

from django.db import migrations


def load(apps, schema_editor):
    from impact import reference_data

    FactorVersion = apps.get_model("impact", "FactorVersion")
    CategoryFactor = apps.get_model("impact", "CategoryFactor")
    RegulatoryTarget = apps.get_model("impact", "RegulatoryTarget")
    if FactorVersion.objects.exists():
        return
    version = FactorVersion.objects.create(
        number=1,
        displacement_rate=reference_data.DISPLACEMENT_RATE,
        displacement_source=reference_data.DISPLACEMENT_SOURCE,
        source=reference_data.SOURCES,
        note=reference_data.NOTE,
    )
    CategoryFactor.objects.bulk_create(
        CategoryFactor(version=version, **vars(factor))
        for factor in reference_data.reference_factors()
    )
    RegulatoryTarget.objects.bulk_create(
        RegulatoryTarget(version=version, **vars(target))
        for target in reference_data.reference_targets()
    )


class Migration(migrations.Migration):
    dependencies = [("impact", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
