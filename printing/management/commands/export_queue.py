
from printing.selectors import QUEUE_EXPORT_SQL
from registry import bulk
from registry.cli import ScriptCommand, office_by_code


class Command(ScriptCommand):
    help = "The queued jobs in print order as CSV on stdout: position,nik,nama,tanggal_rekam."

    def add_arguments(self, parser):
        parser.add_argument("--office", required=True)

    def handle(self, *args, office, **options):
        office = office_by_code(office)
        bulk.copy_out(QUEUE_EXPORT_SQL, [office.pk], self.stdout._out)
