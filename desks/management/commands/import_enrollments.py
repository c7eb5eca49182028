"""import_enrollments FILE --office CODE: the stable command that loads an office's SIAK export (README, "Command line")."""
import sys

from django.utils.translation import gettext as _

from backlog.imports import import_enrollments
from backlog.statuses import apply_status_updates, outcomes, to_look_at
from common.cli import ScriptCommand, office_by_code
from people.roles import acting_user
from registry.importer import Outcome, UnusableFile


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
        self.stdout.write(
            _("KTP-el status: %(print_ready)d print-ready, %(at_centre)d at the centre, %(failed)d failed (to call back), "
              "%(flagged)d flagged by the centre as duplicates, %(carded)d already have a card (not imported), "
              "%(rejected)d rejected")
            % {"print_ready": result.outcome(Outcome.PRINT_READY), "at_centre": result.outcome(Outcome.AT_CENTRE),
               "failed": result.outcome(Outcome.FAILED), "flagged": result.outcome(Outcome.FLAGGED),
               "carded": result.outcome(Outcome.CARDED), "rejected": result.rejected}
        )
        if result.updates:
            # Applied here as well as by the task asked for on commit: whichever comes second finds nothing left.
            apply_status_updates(run_id=result.run.pk, by=user)
            applied = outcomes(result.run)
            self.stdout.write(
                _("%(updates)d records already held moved on by this export: %(applied)d applied, %(unchanged)d unchanged, "
                  "%(left)d left the backlog (a card exists), %(look)d contradict the office (not applied), %(void)d void (stay void)")
                % {"updates": result.updates, "applied": applied["applied"], "unchanged": applied["unchanged"],
                   "left": applied["left_backlog"], "look": applied["to_look_at"], "void": applied["void"]}
            )
            for update in to_look_at(result.run):
                self.stdout.write(_("to look at: %(nik)s %(date)s, %(state)s, SIAK says %(status)s: %(outcome)s") % {
                    "nik": update.enrollment.nik, "date": update.enrollment.enrolled_on.isoformat(),
                    "state": update.get_state_then_display(), "status": update.ktp_status, "outcome": update.get_outcome_display()})
        if result.rejected:
            self.stdout.write(_("Rejected rows and reasons: %(path)s") % {"path": result.rejected_path})
            sys.exit(1)
