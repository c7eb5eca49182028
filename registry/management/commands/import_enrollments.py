"""import_enrollments FILE --office CODE: the stable command that loads an office's SIAK export (README, "Command line")."""
import sys

from django.utils.translation import gettext as _

from registry.cli import ScriptCommand, acting_user, office_by_code
from registry.importer import UnusableFile
from backlog.imports import import_enrollments


class Command(ScriptCommand):
    help = (
        "Import enrollments from a SIAK export, CSV or Excel (.xlsx), told from the content. Exit 0: every row "
        "accepted; 1: some rows rejected (see FILE.rejected.csv, or FILE.rejected.xlsx for a workbook); 2: the file "
        "is unusable and nothing was imported."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--office", required=True, help="4-digit region code")
        parser.add_argument("--by", default="", help="username recorded as the importer")

    def handle(self, *args, file, office, by, **options):
        office = office_by_code(office)
        user = acting_user(by)
        try:
            result = import_enrollments(office=office, path=file, by=user)
        except (UnusableFile, OSError) as exc:
            self.stderr.write(_("%(file)s: unusable, nothing imported: %(reason)s") % {"file": file, "reason": getattr(exc, "strerror", None) or exc})
            sys.exit(2)
        self.stdout.write(
            _("%(rows)d rows: %(imported)d imported, %(skipped)d already imported, %(rejected)d rejected, "
              "%(duplicates)d re-enrollments put on hold")
            % {"rows": result.rows, "imported": result.imported, "skipped": result.already_there,
               "rejected": result.rejected, "duplicates": result.duplicates}
        )
        if result.rejected:
            self.stdout.write(_("Rejected rows and reasons: %(path)s") % {"path": result.rejected_path})
            sys.exit(1)
