# The claim page counts the claimable devices per declaration and per pickup site: partial
# indexes of the declared devices by declaration and by site let it read nothing else.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('inventory', '0015_device_search_trigram_indexes'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='device',
            index=models.Index(condition=models.Q(('state', 'declared')), fields=['declaration'], name='inventory_device_declared_decl'),
        ),
        migrations.AddIndex(
            model_name='device',
            index=models.Index(condition=models.Q(('state', 'declared')), fields=['pickup_site'], name='inventory_device_declared_site'),
        ),
    ]
