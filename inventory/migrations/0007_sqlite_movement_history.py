"""On SQLite too, the database refuses to edit or delete a blank movement.

PostgreSQL has refused UPDATE and DELETE on inventory_blankmovement since
0003 (one trigger, blank_movement_never_edited). SQLite, the embedded
default, had nothing, while check_ledger reported the history protected.
SQLite triggers fire for one event each: blank_movement_never_edited refuses
UPDATE, blank_movement_never_deleted refuses DELETE. Nothing on PostgreSQL.

Django rebuilds a SQLite table for some schema changes and its triggers go
with it: a later migration that rebuilds inventory_blankmovement must create
these again (check_ledger reports them missing).
"""
from django.db import migrations

MESSAGE = "a blank movement is never changed or deleted; record a correcting movement"

SQLITE_FORWARD = [
    f"""CREATE TRIGGER blank_movement_never_edited BEFORE UPDATE ON inventory_blankmovement
BEGIN SELECT RAISE(ABORT, 'blank_movement_never_edited: {MESSAGE}'); END;""",
    f"""CREATE TRIGGER blank_movement_never_deleted BEFORE DELETE ON inventory_blankmovement
BEGIN SELECT RAISE(ABORT, 'blank_movement_never_deleted: {MESSAGE}'); END;""",
]

SQLITE_BACKWARD = [
    "DROP TRIGGER blank_movement_never_deleted;",
    "DROP TRIGGER blank_movement_never_edited;",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("inventory", "0006_corrections_and_monthly_figures")]
    operations = [migrations.RunPython(forward, backward)]
