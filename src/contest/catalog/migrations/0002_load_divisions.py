from django.db import migrations


def forwards(apps, schema_editor):
    from contest.catalog.divisions import load_divisions

    load_divisions(apps.get_model("catalog", "Division"))


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
