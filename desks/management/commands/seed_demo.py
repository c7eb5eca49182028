import os
import random
import tempfile
from datetime import datetime, time, timedelta
from unittest import mock

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.utils.translation import gettext

from backlog.desks import mark_printed, mark_spoiled, record_pickup
from backlog.imports import import_enrollments
from backlog.ledger import receive_blanks
from backlog.offices import create_office
from backlog.queue import build_print_queue
from backlog.requests import draft_blank_request, mark_request_sent
from common.cli import ScriptCommand
from common.dates import local_day
from config.celery import app as celery_app
from people.roles import Role, system_user
from people.views import DEMO_PASSWORD
from printing.selectors import queue_in_print_order
from registry.demo import siak_demo_rows, write_workbook

# Blanks asked for and received, as in the reports: offices ask for more than they get.
DEMO_OFFICES = {"5371": (2000, 1600), "3603": (6000, 5000)}
PRINTED_PER_DAY = {"5371": 25, "3603": 40}
WORKING_DAYS = 30
ROLES = {"petugas": Role.CLERK, "bendahara": Role.STOCK_KEEPER, "kepala": Role.HEAD}


class Command(ScriptCommand):
    help = "Demo offices 5371 and 3603 with enrollments 2016-2018, a blank receipt, a built queue and demo users (password ektp-demo)."

    def add_arguments(self, parser):
        parser.add_argument("--enrollments", type=int, default=3000, help="per office")

    def handle(self, *args, enrollments, **options):
        if not settings.DEMO:
            # Demo users with a published password have no place on a real office's server.
            raise CommandError(gettext("seed_demo makes demo users with a published password: it runs only with DEBUG=1."), returncode=2)
        # The demo's history is played in this process, on its own clock: queue builds that
        # receipts trigger run here and now, not on a worker that may be running.
        celery_app.conf.task_always_eager = True
        users = get_user_model().objects
        admin, _ = users.get_or_create(username="admin", defaults={"role": Role.ADMIN, "is_staff": True, "is_superuser": True, "is_demo": True})
        admin.set_password(DEMO_PASSWORD)
        admin.save()
        for code, (asked, blanks) in DEMO_OFFICES.items():
            office = create_office(code=code, by=system_user())
            if not office.address:
                # Made-up addresses: the demo offices are not the real ones.
                office.address = f"Jl. Contoh Raya No. {code[-2:]}, {office.name} (alamat demo)"
                office.opening_hours = f"Senin–Jumat 08.00–15.00 {office.zone_abbreviation}"
                office.save(update_fields=["address", "opening_hours"])
            people = {}
            for prefix, role in ROLES.items():
                user, _ = users.get_or_create(username=f"{prefix}.{code}", defaults={"office": office, "role": role, "is_demo": True})
                user.set_password(DEMO_PASSWORD)
                user.save()
                people[role] = user
            with tempfile.TemporaryDirectory() as folder:
                # The office's own SIAK workbook, as it comes: statuses, 16-year-olds, a few NIKs Excel made numbers.
                path = write_workbook(os.path.join(folder, f"siak-{code}.xlsx"), siak_demo_rows(code, enrollments))
                result = import_enrollments(office=office, path=path, by=people[Role.CLERK])
            if not office.blank_movements.exists():
                self.recent_weeks(office, people, asked, blanks)
            build_print_queue(office=office, by=people[Role.HEAD])
            self.stdout.write(f"{office}: {result.imported} enrollments imported, {result.duplicates} re-enrollments on hold, "
                              f"{result.rejected} rows rejected")
        self.stdout.write(f"demo users: admin, petugas.CODE, bendahara.CODE, kepala.CODE; password {DEMO_PASSWORD}")

    def recent_weeks(self, office, people, asked, blanks):
        """The last weeks at the office, through the same services, each on its own day.

        Time is set back for each step so the dashboard has a history to show
        (printed per working day, days of stock left, the ministry's share).
        """
        rng = random.Random(office.code)
        today = local_day(office)
        days = [today - timedelta(days=n) for n in range(1, 60) if (today - timedelta(days=n)).weekday() < 5][:WORKING_DAYS][::-1]
        head, keeper, clerk = people[Role.HEAD], people[Role.STOCK_KEEPER], people[Role.CLERK]

        def at(day, hour):
            moment = datetime.combine(day, time(hour, rng.randrange(60)), tzinfo=office.zone)
            return mock.patch("django.utils.timezone.now", return_value=moment)

        start = days[0] - timedelta(days=14)
        with at(start, 9):
            request = draft_blank_request(office=office, quantity=asked, reference=f"470/{office.code}/DKPS/2018", by=head)
            mark_request_sent(request=request, by=head)
        with at(days[0], 8):
            receive_blanks(office=office, quantity=blanks, reference=request.reference, by=keeper, request=request,
                           delivery_note=f"SJ-{office.code}-001", carried_by="Sekretaris Dinas dan Bendahara Barang")
        for day in days:
            jobs = list(queue_in_print_order(office)[:PRINTED_PER_DAY[office.code]])
            for n, job in enumerate(jobs):
                with at(day, 9 + n * 7 // max(len(jobs), 1)):
                    if rng.random() < 0.01:
                        mark_spoiled(job=job, by=clerk, reason=rng.choice(["Kartu tergores", "Tinta luntur", "Macet di printer"]))
                    else:
                        job = mark_printed(job=job, by=clerk)
                        if day < days[-5] and rng.random() < 0.7:
                            with at(day + timedelta(days=rng.randrange(1, 5)), 14):
                                record_pickup(job=job, by=clerk)
