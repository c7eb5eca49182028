"""Fill the counts per office, recording day and state from the enrollments, a month of recording days at a time.

Each batch (an office's records of DAYS recording days) is counted in its
own transaction under the office's ledger lock (the stock row, as
backlog.locks takes it), so no desk of that office moves a card while its
rows are counted, and a desk waits at most for one batch: measured with
`make bench-migrations`, one grouped count of the whole office held the
ledger 1.9 s at 5,000,000 records. A batch replaces what the counts of its
days held, so a card moved before its days were counted is counted as it
is; run again, the counts come out the same. Not atomic as a whole, for the
same reason.
"""
from datetime import timedelta

from django.db import migrations, transaction
from django.db.models import Max, Min

DAYS = 30


def count_each_office(apps, schema_editor):
    Office = apps.get_model("registry", "Office")
    BlankStock = apps.get_model("inventory", "BlankStock")
    Enrollment = apps.get_model("registry", "Enrollment")
    DayCount = apps.get_model("registry", "EnrollmentDayCount")
    connection = schema_editor.connection
    for office_id in Office.objects.order_by("pk").values_list("pk", flat=True):
        span = Enrollment.objects.filter(office_id=office_id).aggregate(first=Min("enrolled_on"), last=Max("enrolled_on"))
        day = span["first"]
        while day is not None and day <= span["last"]:
            until = day + timedelta(days=DAYS)
            with transaction.atomic(using=connection.alias):
                list(BlankStock.objects.select_for_update().filter(office_id=office_id))
                DayCount.objects.filter(office_id=office_id, enrolled_on__gte=day, enrolled_on__lt=until).delete()
                with connection.cursor() as cursor:
                    cursor.execute(
                        "INSERT INTO registry_enrollmentdaycount (office_id, enrolled_on, state, count)"
                        " SELECT office_id, enrolled_on, state, COUNT(*) FROM registry_enrollment"
                        " WHERE office_id = %s AND enrolled_on >= %s AND enrolled_on < %s"
                        " GROUP BY office_id, enrolled_on, state",
                        [office_id, day, until],
                    )
            day = until


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("inventory", "0007_sqlite_movement_history"),
        ("registry", "0011_enrollment_day_counts"),
    ]

    operations = [migrations.RunPython(count_each_office, migrations.RunPython.noop)]
