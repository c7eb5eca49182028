import os
import tempfile

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from inventory.services import receive_blanks
from printing.services import build_print_queue
from registry.demo import write_demo_csv
from registry.models import Role
from registry.services import create_office, import_enrollments
from registry.views import DEMO_PASSWORD

DEMO_OFFICES = {"5371": 1600, "3603": 5000}  # blanks received, after the Kupang and Tangerang reports
ROLES = {"petugas": Role.CLERK, "bendahara": Role.STOCK_KEEPER, "kepala": Role.HEAD}


class Command(BaseCommand):
    help = "Demo offices 5371 and 3603 with enrollments 2016-2018, a blank receipt, a built queue and demo users (password ektp-demo)."

    def add_arguments(self, parser):
        parser.add_argument("--enrollments", type=int, default=3000, help="per office")

    def handle(self, *args, enrollments, **options):
        users = get_user_model().objects
        admin, _ = users.get_or_create(username="admin", defaults={"role": Role.ADMIN, "is_staff": True, "is_superuser": True, "is_demo": True})
        admin.set_password(DEMO_PASSWORD)
        admin.save()
        for code, blanks in DEMO_OFFICES.items():
            office = create_office(code=code)
            people = {}
            for prefix, role in ROLES.items():
                user, _ = users.get_or_create(username=f"{prefix}.{code}", defaults={"office": office, "role": role, "is_demo": True})
                user.set_password(DEMO_PASSWORD)
                user.save()
                people[role] = user
            with tempfile.TemporaryDirectory() as folder:
                path = write_demo_csv(os.path.join(folder, f"siak-{code}.csv"), code, enrollments)
                result = import_enrollments(office=office, path=path, by=people[Role.CLERK])
            with transaction.atomic():
                if not office.blank_movements.exists():
                    receive_blanks(office=office, quantity=blanks, reference=f"DEMO/{code}/2018", by=people[Role.STOCK_KEEPER],
                                   delivery_note=f"SJ-{code}-001", carried_by="Sekretaris dan Bendahara Barang")
            build = build_print_queue(office=office, by=people[Role.HEAD])
            self.stdout.write(f"{office}: {result.imported} enrollments imported, {result.duplicates} re-enrollments on hold, "
                              f"{build.queued} queued")
        self.stdout.write(f"demo users: admin, petugas.CODE, bendahara.CODE, kepala.CODE; password {DEMO_PASSWORD}")
