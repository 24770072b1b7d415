from django.db import migrations


def forwards(apps, schema_editor):
    from contest.core import db_guards

    db_guards.install(schema_editor.connection)


def backwards(apps, schema_editor):
    from contest.core import db_guards

    db_guards.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
