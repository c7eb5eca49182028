import os
import sys

from common.cli import ScriptCommand, office_by_code
from printing.selectors import QUEUE_EXPORT_SQL
from common import bulk


class Command(ScriptCommand):
    help = "The queued jobs in print order as CSV on stdout: position,nik,nama,tanggal_rekam."

    def add_arguments(self, parser):
        parser.add_argument("--office", required=True)

    def handle(self, *args, office, **options):
        office = office_by_code(office)
        out = self.stdout._out
        out.flush()
        try:
            bulk.copy_out(QUEUE_EXPORT_SQL, [office.pk], out.buffer)
        except BrokenPipeError:
            # The reader stopped early (`export_queue ... | head`): nothing is wrong, and nothing more to say.
            os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())
            sys.exit(1)
