"""TOTP secrets encrypted at rest: the column becomes ``sealed_secret`` and every stored secret is sealed
(``contest.accounts.models.seal_secret``, a key derived from TOTP_ENCRYPTION_KEY or SECRET_KEY)."""

from django.db import migrations, models

from contest.accounts.models import SEAL_VERSION, UnreadableSecret, open_secret, seal_secret


def seal_every_secret(apps, schema_editor):
    Device = apps.get_model("accounts", "TwoFactorDevice")
    for device in Device.objects.all().iterator():
        if not device.sealed_secret.startswith(f"{SEAL_VERSION}$"):
            device.sealed_secret = seal_secret(device.sealed_secret, user_id=device.user_id)
            device.save(update_fields=["sealed_secret"])


def open_every_secret(apps, schema_editor):
    """Back to the clear; a secret no configured key opens cannot be restored, so its device is
    removed (the user enrols again)."""
    Device = apps.get_model("accounts", "TwoFactorDevice")
    for device in Device.objects.all().iterator():
        if device.sealed_secret.startswith(f"{SEAL_VERSION}$"):
            try:
                device.sealed_secret = open_secret(device.sealed_secret, user_id=device.user_id)[0]
            except UnreadableSecret:
                device.delete()
                continue
            device.save(update_fields=["sealed_secret"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_security_baseline"),
    ]

    operations = [
        migrations.RenameField(model_name="twofactordevice", old_name="secret", new_name="sealed_secret"),
        migrations.AlterField(
            model_name="twofactordevice", name="sealed_secret", field=models.CharField(max_length=255)
        ),
        migrations.RunPython(seal_every_secret, open_every_secret, elidable=False),
    ]
