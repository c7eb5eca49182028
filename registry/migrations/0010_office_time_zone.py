"""Each office keeps its own clock: a time zone per office, from its province (Kota Kupang, 5371, is WITA).

Every office so far ran on WIB. The monthly blank figures are bucketed by
the office's local day, so an office that moves to WITA or WIT gets its
figures written again from its movements, under its ledger lock (the stock
row FOR UPDATE, as backlog.locks.lock_ledger takes it) so that no movement
is booked into a month of the old zone meanwhile.
"""
from zoneinfo import ZoneInfo

from django.db import migrations, models
from django.db.models import Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from common.dates import zone_of_region

# The monthly figures as inventory.selectors.monthly_figures_of computed them when this migration was
# written, copied so that the registry's history imports no other app's code.
FIGURES = ("received", "printed", "spoiled", "adjusted")
FIGURE_OF_KIND = {"receipt": ("received", 1), "printed": ("printed", -1), "spoiled": ("spoiled", -1), "adjustment": ("adjusted", 1)}


def monthly_figures_of(movements, zone):
    figures = {}
    grouped = (movements.annotate(month=TruncMonth("created_at", tzinfo=zone)).order_by()
               .values_list("month", "kind").annotate(total=Sum("quantity")))
    for moment, kind, total in grouped:
        month = timezone.localtime(moment, zone).date()
        figure, sign = FIGURE_OF_KIND[kind]
        figures.setdefault(month, dict.fromkeys(FIGURES, 0))[figure] += sign * total
    return figures


def _move_offices(apps, zone_of):
    Office = apps.get_model("registry", "Office")
    BlankStock = apps.get_model("inventory", "BlankStock")
    BlankMovement = apps.get_model("inventory", "BlankMovement")
    MonthlyFigures = apps.get_model("inventory", "MonthlyFigures")
    for office in Office.objects.order_by("pk"):
        zone = zone_of(office.code)
        if zone == office.time_zone:
            continue
        # The ledger lock first, as every write takes it; an office without a stock row has no movements.
        BlankStock.objects.select_for_update().filter(office_id=office.pk).first()
        Office.objects.filter(pk=office.pk).update(time_zone=zone)
        figures = monthly_figures_of(BlankMovement.objects.filter(office_id=office.pk), ZoneInfo(zone))
        MonthlyFigures.objects.filter(office_id=office.pk).delete()
        MonthlyFigures.objects.bulk_create(MonthlyFigures(office_id=office.pk, month=month, **values)
                                           for month, values in figures.items())


def each_office_on_its_provinces_zone(apps, schema_editor):
    _move_offices(apps, zone_of_region)


def every_office_back_on_wib(apps, schema_editor):
    """Backwards: the field goes, every office is on WIB again, and so are its figures."""
    _move_offices(apps, lambda code: "Asia/Jakarta")


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0009_enrollment_mother_name"),
        ("inventory", "0007_sqlite_movement_history"),
    ]

    operations = [
        migrations.AddField(
            model_name="office",
            name="time_zone",
            field=models.CharField(choices=[("Asia/Jakarta", "WIB (UTC+7)"), ("Asia/Makassar", "WITA (UTC+8)"), ("Asia/Jayapura", "WIT (UTC+9)")],
                                   default="Asia/Jakarta", max_length=40, verbose_name="time zone"),
        ),
        migrations.AddConstraint(
            model_name="office",
            constraint=models.CheckConstraint(condition=models.Q(("time_zone__in", ["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"])),
                                              name="office_time_zone_is_indonesian"),
        ),
        migrations.RunPython(each_office_on_its_provinces_zone, every_office_back_on_wib),
    ]
