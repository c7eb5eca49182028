"""Fill the counts per office, recording day and state from the enrollments, one office at a time.

Each office is counted in its own transaction under its ledger lock (the
stock row, as backlog.locks takes it), so no desk of that office moves a
card while its rows are counted, and no other office waits: an office's
desks wait for one grouped scan of its records, and the enrollment table
itself is never locked. Not atomic as a whole for that
reason; run again, an office already counted is left as it is.
"""
from django.db import migrations, transaction


def count_each_office(apps, schema_editor):
    Office = apps.get_model("registry", "Office")
    BlankStock = apps.get_model("inventory", "BlankStock")
    DayCount = apps.get_model("registry", "EnrollmentDayCount")
    connection = schema_editor.connection
    for office_id in Office.objects.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic(using=connection.alias):
            list(BlankStock.objects.select_for_update().filter(office_id=office_id))
            if DayCount.objects.filter(office_id=office_id).exists():
                continue
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO registry_enrollmentdaycount (office_id, enrolled_on, state, count)"
                    " SELECT office_id, enrolled_on, state, COUNT(*) FROM registry_enrollment WHERE office_id = %s"
                    " GROUP BY office_id, enrolled_on, state",
                    [office_id],
                )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("inventory", "0007_sqlite_movement_history"),
        ("registry", "0011_enrollment_day_counts"),
    ]

    operations = [migrations.RunPython(count_each_office, migrations.RunPython.noop)]
