# StaffTotp moved to accounts.TotpDevice (copied, encrypted, by accounts 0003).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("review", "0004_paper_decision"),
        ("accounts", "0003_staff_identity"),
    ]

    operations = [
        migrations.DeleteModel(name="StaffTotp"),
    ]
