# ApiToken moves to accounts (core keeps no domain nouns): rename the table, keep every row;
# accounts 0004 takes the model over in Django's state.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_apitoken"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.AlterModelTable(name="apitoken", table="accounts_apitoken")],
            state_operations=[migrations.DeleteModel(name="ApiToken")],
        ),
    ]
