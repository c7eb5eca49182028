"""The ledger's rules that the database itself keeps.

- Every new movement is added to the office's BlankStock by a trigger, so
  on hand is the sum of the movements by construction, and BlankStock's
  CHECK constraints then refuse any movement that would take it below zero
  or below what is reserved.
- On PostgreSQL, UPDATE and DELETE of a movement are refused: history is
  never edited, a correction is a new movement.

PostgreSQL uses a statement-level trigger with a transition table (one
UPDATE per statement, however many movements it inserts); SQLite, the
embedded default, a row-level one.
"""
from django.db import migrations

POSTGRES_FORWARD = """
CREATE FUNCTION inventory_add_movements_to_stock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE inventory_blankstock s SET
        on_hand = s.on_hand + d.total,
        received = s.received + d.received,
        printed = s.printed + d.printed,
        spoiled = s.spoiled + d.spoiled,
        adjusted = s.adjusted + d.adjusted
    FROM (
        SELECT office_id,
               sum(quantity) AS total,
               coalesce(sum(quantity) FILTER (WHERE kind = 'receipt'), 0) AS received,
               coalesce(-sum(quantity) FILTER (WHERE kind = 'printed'), 0) AS printed,
               coalesce(-sum(quantity) FILTER (WHERE kind = 'spoiled'), 0) AS spoiled,
               coalesce(sum(quantity) FILTER (WHERE kind = 'adjustment'), 0) AS adjusted
        FROM new_movements GROUP BY office_id
    ) d
    WHERE s.office_id = d.office_id;
    RETURN NULL;
END $$;
CREATE TRIGGER blank_movement_adds_to_stock AFTER INSERT ON inventory_blankmovement
    REFERENCING NEW TABLE AS new_movements FOR EACH STATEMENT EXECUTE FUNCTION inventory_add_movements_to_stock();

CREATE FUNCTION inventory_movement_is_history() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'blank_movement_never_edited: a blank movement is never changed or deleted; record a correcting movement'
        USING ERRCODE = 'integrity_constraint_violation';
END $$;
CREATE TRIGGER blank_movement_never_edited BEFORE UPDATE OR DELETE ON inventory_blankmovement
    FOR EACH ROW EXECUTE FUNCTION inventory_movement_is_history();
"""

POSTGRES_BACKWARD = """
DROP TRIGGER blank_movement_never_edited ON inventory_blankmovement;
DROP FUNCTION inventory_movement_is_history();
DROP TRIGGER blank_movement_adds_to_stock ON inventory_blankmovement;
DROP FUNCTION inventory_add_movements_to_stock();
"""

SQLITE_FORWARD = """
CREATE TRIGGER blank_movement_adds_to_stock AFTER INSERT ON inventory_blankmovement
BEGIN
    UPDATE inventory_blankstock SET
        on_hand = on_hand + NEW.quantity,
        received = received + CASE WHEN NEW.kind = 'receipt' THEN NEW.quantity ELSE 0 END,
        printed = printed + CASE WHEN NEW.kind = 'printed' THEN -NEW.quantity ELSE 0 END,
        spoiled = spoiled + CASE WHEN NEW.kind = 'spoiled' THEN -NEW.quantity ELSE 0 END,
        adjusted = adjusted + CASE WHEN NEW.kind = 'adjustment' THEN NEW.quantity ELSE 0 END
    WHERE office_id = NEW.office_id;
END;
"""

SQLITE_BACKWARD = "DROP TRIGGER blank_movement_adds_to_stock;"


def forward(apps, schema_editor):
    sql = POSTGRES_FORWARD if schema_editor.connection.vendor == "postgresql" else SQLITE_FORWARD
    schema_editor.execute(sql)


def backward(apps, schema_editor):
    sql = POSTGRES_BACKWARD if schema_editor.connection.vendor == "postgresql" else SQLITE_BACKWARD
    schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("inventory", "0002_initial")]
    operations = [migrations.RunPython(forward, backward)]
