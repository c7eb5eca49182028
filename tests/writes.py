"""Every kind of write that can meet another in one office, as the race tests run them: one table.

Each write takes the office and returns nothing; it acts on what the office
holds now (the first queued card, an open case) as a clerk at a desk would,
and raises NothingToDo when there is nothing of its kind. `WRITES` says
which locks each takes (backlog.locks), so that the tests can group pairs
by them. Adding a kind of write is one entry there. `stock_office` gives
every kind something to act on between rounds.
"""
import os
import random
import tempfile
from datetime import date, timedelta
from itertools import count

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import F

from backlog import corrections
from backlog.desks import mark_printed, mark_spoiled, record_pickup
from backlog.duplicates import record_visit, reopen_duplicate_case, resolve_duplicate_case
from backlog.imports import import_enrollments
from backlog.ledger import approve_stock_count, correct_receipt, receipt_quantity, receive_blanks, record_stock_count, spoil_blanks
from backlog.queue import build_print_queue
from backlog.statuses import apply_status_updates
from backlog.suket import issue_suket
from common.dates import local_day
from inventory.models import BlankMovement, BlankStock, MovementKind
from people.roles import Role, system_user
from printing.models import PRINT_ORDER, PrintJob
from printing.selectors import queue_in_print_order
from registry.ages import birthday
from registry.models import DuplicateCase, Enrollment, EnrollmentCounts, EnrollmentImport, EnrollmentState, Office
from tests import factories as f
from tests.parallel import NothingToDo

# The locks a write takes (backlog.locks): every write takes the ledger lock first.
LEDGER = "ledger"  # the office's ledger lock, and the cards it moves
ROWS = "rows"  # the ledger lock, then the rows it acts on (a print job, a record, a case)
IMPORT = "import"  # the import lock while the rows stream in, then the ledger lock

_serial = count(1)
_random = random.SystemRandom()


def _unique(prefix):
    """A reference no other worker uses: the process id and a counter."""
    return f"{prefix}-{os.getpid()}-{next(_serial)}"


def _person(office, role):
    return get_user_model().objects.filter(office=office, role=role).order_by("pk").first()


def _first(queryset):
    found = queryset.first()
    if found is None:
        raise NothingToDo
    return found


def new_residents(office, count, enrolled_on=None):
    """SIAK rows of residents the office has never seen, enrolled on one day of 2018 or `enrolled_on`."""
    return [
        f.row(enrolled_on or date(2018, 1, 1) + timedelta(days=_random.randrange(365)), code=office.code, birth=birth,
              number=f.nik(office.code, birth, serial=_random.randrange(10000)))
        for birth in (date(1950, 1, 1) + timedelta(days=_random.randrange(18000)) for _each in range(count))
    ]


def sixteen_year_olds(office, count):
    """SIAK rows of unmarried residents recorded a month ago at 16: printable only from their 17th birthday, months ahead."""
    today = local_day(office)
    births = [birthday(today + timedelta(days=_random.randrange(30, 300)), -17) for _each in range(count)]
    return [f.row(today - timedelta(days=30), code=office.code, birth=birth, number=f.nik(office.code, birth, serial=_random.randrange(10000)))
            for birth in births]


def enrolled_again(records, enrolled_on):
    """SIAK rows enrolling these residents again on another day: each becomes a duplicate case."""
    return [f.row(enrolled_on, code=record.office.code, number=record.nik, birth=record.birth_date, sex=record.sex) for record in records]


def import_rows(office, rows):
    """Import these SIAK rows as the office's clerk would."""
    with tempfile.TemporaryDirectory() as folder:
        path = f.siak_file(f"{folder}/siak.csv", rows)
        return import_enrollments(office=office, path=path, by=_person(office, Role.CLERK))


def import_a_file(office):
    """Ten new residents, and two waiting ones enrolled again today."""
    waiting = Enrollment.objects.filter(office=office, state__in=[EnrollmentState.RECORDED, EnrollmentState.QUEUED],
                                        duplicate_case__isnull=True).select_related("office").order_by("?")[:2]
    import_rows(office, new_residents(office, 10) + enrolled_again(waiting, local_day(office)))


def _as_siak(record, status, **extra):
    return f.row(record.enrolled_on, code=record.office.code, number=record.nik, birth=record.birth_date, sex=record.sex,
                 status_ktp_el=status, **extra)


def import_new_statuses(office):
    """The rows of a newer SIAK export: new residents at the centre, failed or flagged, and what the centre now says of held records.

    A waiting card goes to a case flagged by the centre, a queued one too (its blank comes back), a card at the centre becomes
    print-ready, another fails, a printed card is said to have failed (listed, not applied). Then applied, as the task does.
    """
    rows = [{**row, "status_ktp_el": status} for row, status in zip(new_residents(office, 3), ["SENT FOR ENROLLMENT", "BAD RECORD", "ADJUDICATE RECORD"])]
    picks = [(EnrollmentState.RECORDED, "DUPLICATE RECORD"), (EnrollmentState.QUEUED, "DUPLICATE RECORD"),
             (EnrollmentState.AT_CENTRE, "PRINT READY RECORD"), (EnrollmentState.AT_CENTRE, "ENROLL FAILURE AT CENTRAL"),
             (EnrollmentState.READY, "BAD RECORD"), (EnrollmentState.RECORDED, "CARD ISSUED")]
    taken = set()
    for state, status in picks:
        record = Enrollment.objects.filter(office=office, state=state, duplicate_case__isnull=True).exclude(pk__in=taken) \
            .select_related("office").order_by("?").first()
        if record is not None:
            taken.add(record.pk)
            rows.append(_as_siak(record, status))
    with tempfile.TemporaryDirectory() as folder:
        path = f.siak_file(f"{folder}/siak-baru.csv", rows, header=[*f.HEADER, "status_ktp_el"])
        result = import_enrollments(office=office, path=path, by=_person(office, Role.CLERK))
    apply_status_updates(run_id=result.run.pk, batch=2, by=system_user())


def record_a_visit(office):
    """The resident of a case the centre flagged comes in; the clerk notes the documents sent for adjudication."""
    case = _first(DuplicateCase.objects.filter(office=office, status=DuplicateCase.Status.OPEN, flagged_by_centre=True).order_by("pk"))
    record_visit(case=case, by=_person(office, Role.CLERK), visited_on=local_day(office), documents=_unique("KK, akta"))


def build(office):
    build_print_queue(office=office, by=system_user())


def receive(office):
    receive_blanks(office=office, quantity=5, reference=_unique("R"), by=_person(office, Role.STOCK_KEEPER))


def count_and_approve(office):
    """The keeper counts the cupboard (two blanks missing, or three more than booked) and the head approves at once."""
    on_hand = BlankStock.objects.get(office=office).on_hand
    counted = on_hand - 2 if on_hand >= 2 else on_hand + 3
    stock_count = record_stock_count(office=office, counted=counted, by=_person(office, Role.STOCK_KEEPER), note=_unique("count"))
    approve_stock_count(count=stock_count, by=_person(office, Role.HEAD))


def spoil_on_the_shelf(office):
    spoil_blanks(office=office, quantity=1, reference=_unique("BA"), reason="basah", by=_person(office, Role.STOCK_KEEPER))


def correct_last_receipt(office):
    """The head finds the last receipt was one blank short of what was booked."""
    receipt = _first(BlankMovement.objects.filter(office=office, kind=MovementKind.RECEIPT, reverses__isnull=True).order_by("-pk"))
    correct_receipt(receipt=receipt, quantity=receipt_quantity(receipt) - 1, reason=_unique("kurang satu"), by=_person(office, Role.HEAD))


def print_next(office):
    mark_printed(job=_first(queue_in_print_order(office)), by=_person(office, Role.CLERK))


def spoil_next(office):
    mark_spoiled(job=_first(queue_in_print_order(office)), by=_person(office, Role.CLERK), reason="pita habis")


def pick_up(office):
    job = _first(PrintJob.objects.filter(office=office, state=PrintJob.State.PRINTED, collected_at__isnull=True).order_by(*PRINT_ORDER))
    record_pickup(job=job, by=_person(office, Role.CLERK))


def issue_suket_to_the_oldest(office):
    """The oldest waiting resident asks for a Suket: their record is the one the queue wants next."""
    enrollment = _first(Enrollment.objects.filter(office=office, state=EnrollmentState.RECORDED).order_by("enrolled_on", "pk"))
    issue_suket(enrollment=enrollment, by=_person(office, Role.CLERK))


def resolve_a_case(office):
    case = _first(DuplicateCase.objects.filter(office=office, status=DuplicateCase.Status.OPEN).order_by("pk"))
    keep = case.enrollments.exclude(state=EnrollmentState.VOID).order_by("enrolled_on", "pk").first()
    resolve_duplicate_case(case=case, by=_person(office, Role.CLERK), keep=keep, note="datang langsung")


def _reopenable(office):
    return (DuplicateCase.objects.filter(office=office).exclude(status=DuplicateCase.Status.OPEN)
            .exclude(enrollments__state__in=[EnrollmentState.READY, EnrollmentState.COLLECTED]))


def reopen_a_case(office):
    case = _first(_reopenable(office).order_by("-pk"))
    reopen_duplicate_case(case=case, by=_person(office, Role.HEAD), reason="salah pilih")


def _shelf(office):
    return PrintJob.objects.filter(office=office, state=PrintJob.State.PRINTED, collected_at__isnull=True).order_by("-printed_at", "-pk")


def undo_last_printed(office):
    corrections.undo_printed(job=_first(_shelf(office)), by=_person(office, Role.HEAD), reason=_unique("salah tandai"))


def undo_last_spoiled(office):
    job = _first(PrintJob.objects.filter(office=office, state=PrintJob.State.SPOILED).order_by("-pk"))
    corrections.undo_spoiled(job=job, by=_person(office, Role.HEAD), reason=_unique("salah tandai rusak"))


def defective_card(office):
    corrections.found_defective(job=_first(_shelf(office)), by=_person(office, Role.CLERK), reason="foto buram")


def undo_last_pickup(office):
    job = _first(PrintJob.objects.filter(office=office, collected_at__isnull=False).order_by("-collected_at", "-pk"))
    corrections.undo_pickup(job=job, by=_person(office, Role.HEAD), reason=_unique("kartu tertukar"))


def edit_the_oldest_record(office):
    """A typo in the name of the record the queue wants next: the same row a build locks."""
    enrollment = _first(Enrollment.objects.filter(office=office, state=EnrollmentState.RECORDED).order_by("enrolled_on", "pk"))
    corrections.edit_record(enrollment=enrollment, by=_person(office, Role.CLERK), reason=_unique("salah ketik"),
                            values={"name": f"{enrollment.name[:180]} {next(_serial)}"})


def void_the_newest_record(office):
    enrollment = _first(Enrollment.objects.filter(office=office, state__in=[EnrollmentState.RECORDED, EnrollmentState.QUEUED])
                        .order_by("-enrolled_on", "-pk"))
    corrections.void_record(enrollment=enrollment, by=_person(office, Role.CLERK), reason=_unique("NIK salah"))


def record_a_marriage(office):
    """A resident recorded at 16 shows a marriage certificate: the oldest such card not printed yet."""
    enrollment = _first(Enrollment.objects.filter(office=office, state__in=corrections.UNPRINTED, printable_on__gt=F("enrolled_on"))
                        .order_by("enrolled_on", "pk"))
    corrections.record_marriage(enrollment=enrollment, by=_person(office, Role.CLERK), certificate=_unique("AN"))


# name -> (the locks it takes, the write).
WRITES = {
    "import": (IMPORT, import_a_file),
    "build": (LEDGER, build),
    "receipt": (LEDGER, receive),
    "stock count": (LEDGER, count_and_approve),
    "shelf spoilage": (LEDGER, spoil_on_the_shelf),
    "receipt correction": (LEDGER, correct_last_receipt),
    "print": (ROWS, print_next),
    "spoil": (ROWS, spoil_next),
    "pickup": (ROWS, pick_up),
    "suket": (ROWS, issue_suket_to_the_oldest),
    "duplicate resolution": (ROWS, resolve_a_case),
    "duplicate reopened": (ROWS, reopen_a_case),
    "undo printed": (ROWS, undo_last_printed),
    "undo spoiled": (ROWS, undo_last_spoiled),
    "defective": (ROWS, defective_card),
    "undo pickup": (ROWS, undo_last_pickup),
    "record edited": (ROWS, edit_the_oldest_record),
    "record voided": (ROWS, void_the_newest_record),
    "marriage": (ROWS, record_a_marriage),
    "later export": (IMPORT, import_new_statuses),
    "visit recorded": (ROWS, record_a_visit),
}


def write(name, office_id):
    """Run one write of the table on this office (in a worker)."""
    WRITES[name][1](Office.objects.get(pk=office_id))


def busy_office(residents):
    """Kota Kupang with a clerk, a stock keeper and a head, `residents` imported, then stocked (stock_office): something
    of every kind to open, whatever page or role."""
    office = f.office("5371")
    for role in (Role.CLERK, Role.STOCK_KEEPER, Role.HEAD):
        f.user(office, role)
    import_rows(office, new_residents(office, residents))
    stock_office(office)
    return office


def stock_office(office):
    """Give every write something to act on: waiting records, open and resolved cases, queued and printed cards, free blanks.

    Run by the test between rounds, with no build asked for after commit.
    """
    counts = EnrollmentCounts.objects.get(office=office)
    cases = DuplicateCase.objects.filter(office=office)
    open_cases = cases.filter(status=DuplicateCase.Status.OPEN).count()
    if counts.recorded < 10 or open_cases < 2:
        waiting = Enrollment.objects.filter(office=office, state=EnrollmentState.RECORDED, duplicate_case__isnull=True).order_by("-pk")[:2]
        import_rows(office, new_residents(office, 20) + enrolled_again(waiting.select_related("office"), local_day(office) - timedelta(days=1)))
    if not cases.exclude(status=DuplicateCase.Status.OPEN).exists():
        resolve_a_case(office)
    if not DuplicateCase.objects.filter(office=office, status=DuplicateCase.Status.OPEN, flagged_by_centre=True).exists() \
            or not Enrollment.objects.filter(office=office, state=EnrollmentState.AT_CENTRE).exists():
        import_new_statuses(office)
    if PrintJob.objects.filter(office=office, state=PrintJob.State.QUEUED).count() < 5:
        receive(office)
        build(office)
    while PrintJob.objects.filter(office=office, state=PrintJob.State.PRINTED, collected_at__isnull=True).count() < 3:
        print_next(office)
    if not PrintJob.objects.filter(office=office, collected_at__isnull=False).exists():
        pick_up(office)
    if not PrintJob.objects.filter(office=office, state=PrintJob.State.SPOILED).exists():
        spoil_next(office)
    if BlankStock.objects.get(office=office).available < 2:
        receive(office)
    if not Enrollment.objects.filter(office=office, state__in=corrections.UNPRINTED, printable_on__gt=F("enrolled_on")).exists():
        import_rows(office, sixteen_year_olds(office, 2))
    # The case resolved above may have had its kept card printed since: then one more case, opened and resolved.
    if not _reopenable(office).exists():
        waiting = Enrollment.objects.filter(office=office, state=EnrollmentState.RECORDED, duplicate_case__isnull=True).order_by("-pk")[:1]
        import_rows(office, enrolled_again(waiting.select_related("office"), local_day(office) - timedelta(days=2)))
        resolve_a_case(office)


def import_path(office_id, path):
    """Import a file prepared by the test (in a worker): (rows read, imported, residents put in a case)."""
    office = Office.objects.get(pk=office_id)
    result = import_enrollments(office=office, path=path, by=_person(office, Role.CLERK))
    return result.rows, result.imported, result.duplicates


def keep_writing(names, office_id, until_imported):
    """These writes in turn, round after round, until the import of the file named `until_imported` has committed.

    Returns how many writes were done while that import was still running.
    """
    office, done_meanwhile = Office.objects.get(pk=office_id), 0
    for _round in range(1000):
        finished = EnrollmentImport.objects.filter(office=office, file_name=until_imported).exists()
        for name in names:
            try:
                WRITES[name][1](office)
            except (NothingToDo, ValidationError):  # a card printed or given back by another desk meanwhile
                continue
            done_meanwhile += not finished
        if finished:
            return done_meanwhile
    raise AssertionError(f"the import of {until_imported} did not commit within 1000 rounds")
