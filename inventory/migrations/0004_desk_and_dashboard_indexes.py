"""Indexes for the stock desk and the head's dashboard, and the database's backstops for resent forms.

Plain SQL (the same on PostgreSQL and SQLite), so the models' state is
unchanged. The two on registry_enrollment serve the dashboard's grouped
queries: cards on hold per enrollment month, and enrollments in the last
weeks (the expected new enrollments); with them a 5-million-row office is
read through an index, never scanned.
"""
from django.db import migrations

INDEXES = [
    # A delivery note is one delivery: booking it twice is refused (the service says so first).
    ("blank_receipt_one_per_delivery_note",
     "CREATE UNIQUE INDEX blank_receipt_one_per_delivery_note ON inventory_blankmovement (office_id, delivery_note)"
     " WHERE kind = 'receipt' AND delivery_note <> ''"),
    # Blanks written off at the stock desk, found by their damage report number.
    ("blank_desk_spoilage_by_report",
     "CREATE INDEX blank_desk_spoilage_by_report ON inventory_blankmovement (office_id, reference)"
     " WHERE kind = 'spoiled' AND print_job_id IS NULL"),
    # One stock count waits for the head at a time.
    ("one_pending_stock_count_per_office",
     "CREATE UNIQUE INDEX one_pending_stock_count_per_office ON inventory_stockcount (office_id) WHERE status = 'pending'"),
    ("enrollment_on_hold_order",
     "CREATE INDEX enrollment_on_hold_order ON registry_enrollment (office_id, enrolled_on) WHERE state = 'on_hold'"),
    ("enrollment_office_date",
     "CREATE INDEX enrollment_office_date ON registry_enrollment (office_id, enrolled_on)"),
]


class Migration(migrations.Migration):
    dependencies = [("inventory", "0003_ledger_triggers"), ("registry", "0001_initial")]
    operations = [migrations.RunSQL(sql, reverse_sql=f"DROP INDEX {name}") for name, sql in INDEXES]
