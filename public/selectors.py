"""What residents may see: an office's ready board, the state of their own card, a Suket's check.

Nothing here hands a template an Enrollment: the pages get small records with
no name, NIK, address or birth date in them, so no template can show one by
mistake. How far printing has reached and the printing rate are the
dashboard's own selectors (inventory.selectors), read the same way.
"""
import hmac
import math
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Sum
from django.utils import timezone

from common.dates import local_day
from inventory.models import BlankStock
from inventory.selectors import WORKING_DAYS, backlog_by_month, print_rate, printing_reached, request_lines
from printing.models import PrintJob
from printing.selectors import queue_reaches, ready_by_month
from registry.importer import OUTCOME_OF, Outcome
from registry.models import Enrollment, EnrollmentCounts, EnrollmentDayCount, EnrollmentState, Office, TemporaryCertificate


@dataclass(frozen=True)
class ReadyMonth:
    month: date
    cards: int


@dataclass(frozen=True)
class Board:
    """An office's notice: which enrollment months can collect, how far printing has reached."""

    ready: list[ReadyMonth]
    queue_month: date | None  # the oldest card in the print queue: printing has reached this month
    queue_until: date | None  # the newest card in the print queue
    waiting_month: date | None  # the oldest card still waiting for a blank: next in line
    waiting: int  # cards waiting for a blank
    available: int  # blanks not yet set aside for a card
    per_day: float | None  # cards printed per working day, last six weeks
    asked_on: date | None  # the latest request to the ministry still being delivered
    as_of: datetime

    @property
    def waits_for_blanks(self) -> bool:
        return self.waiting > 0 and self.available <= 0


def board(office: Office) -> Board:
    """The office's board, computed at most every PUBLIC_BOARD_CACHE_SECONDS (it is the same for everyone).

    The cache only saves work (config/cache.py): with Redis stopped the board is computed for each request.
    """
    key = f"public-board:{office.pk}"
    cached = cache.get(key)
    if cached is None:
        cached = _board(office)
        cache.set(key, cached, timeout=settings.PUBLIC_BOARD_CACHE_SECONDS)
    return cached


def _board(office: Office) -> Board:
    backlog = backlog_by_month(office)
    reached = printing_reached(office)
    until = queue_reaches(office)
    stock = BlankStock.objects.get(office=office)
    per_day = print_rate(office).per_day
    return Board(
        ready=[ReadyMonth(row["month"], row["cards"]) for row in ready_by_month(office)],
        queue_month=reached.queue_month, queue_until=until.replace(day=1) if until else None,
        waiting_month=reached.waiting_month, waiting=sum(entry.recorded for entry in backlog),
        available=stock.available, per_day=float(per_day) if per_day else None,
        asked_on=_asked_on(office), as_of=timezone.now(),
    )


def _asked_on(office: Office) -> date | None:
    """When the office last sent the ministry a request that is still not fully delivered."""
    waiting = [line.request.sent_on for line in request_lines(office)
               if line.is_open and line.request.sent_on and line.outstanding]
    return max(waiting, default=None)


@dataclass(frozen=True)
class Estimate:
    """When a waiting card may be printed, and everything the guess rests on."""

    ahead: int  # cards printed before this one (in the queue, or waiting for a blank)
    per_day: float | None
    working_days: int | None
    around: date | None
    waits_for_blanks: bool = False
    asked_on: date | None = None


@dataclass(frozen=True)
class Card:
    """One of the resident's records, as the resident may see it."""

    office: Office
    state: str
    enrolled_month: date
    collected_on: date | None = None
    estimate: Estimate | None = None
    printable_from: date | None = None  # a waiting card of a resident not yet 17 (the age rule): printed from that day
    since: date | None = None  # at the centre: recorded on this day, waiting for its check since
    carded: bool = False  # void because SIAK says the card exists


def find_cards(*, nik: str, birth_date: date, mother_name: str, today: date | None = None) -> list[Card]:
    """The resident's records in every office, newest first; [] when the answers match nothing.

    Each card is told on its office's day (`today` overrides it).

    NIK, birth date and mother's name must all match: the birth date is
    written in the NIK itself, the mother's name is not. A record with no
    mother's name on file is never found (nothing could be checked). The NIK
    and the birth date are matched in one query and the name is compared for
    every record found, so a NIK that exists with another birth date or
    another mother's name costs the same queries as one that does not.
    Every office is searched: a resident may have enrolled away from home.
    Void records are shown only when nothing else is left; the records of one
    duplicate case are one card.
    """
    answer = name_key(mother_name)
    # A literal list of offices lets PostgreSQL probe the (office, nik, enrolled_on) unique index once per
    # office instead of reading every enrollment: there is no index on the NIK alone.
    offices = list(Office.objects.values_list("pk", flat=True))
    found = list(Enrollment.objects.filter(office_id__in=offices, nik=nik, birth_date=birth_date)
                 .select_related("office").order_by("-enrolled_on", "-id"))
    records = [record for record in found if _same_name(name_key(record.mother_name), answer)]
    shown = [record for record in records if record.state != EnrollmentState.VOID] or records[:1]
    cards, cases = [], set()
    for record in shown:
        if record.state == EnrollmentState.ON_HOLD and record.duplicate_case_id:
            if record.duplicate_case_id in cases:
                continue
            cases.add(record.duplicate_case_id)
        cards.append(_card(record, today or local_day(record.office)))
    return cards


def name_key(name: str) -> str:
    """A name as compared: 'Maria Goreti N'doen' and 'MARIA GORETI NDOÉN' give the same key.

    Compatibility forms folded and accents dropped (NFKD, then the combining
    marks left out), case folded, and only letters and digits kept.
    """
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(char for char in decomposed.casefold() if char.isalnum())


def _same_name(on_file: str, answer: str) -> bool:
    # compare_digest: the time taken tells nothing about how much of the name was right. Nothing on file
    # never matches, not even nothing answered.
    same = hmac.compare_digest(on_file.encode(), answer.encode())
    return same and bool(on_file)


def _card(record: Enrollment, today: date) -> Card:
    collected_on = estimate = printable_from = None
    if record.state == EnrollmentState.COLLECTED:
        collected_on = _collected_on(record.office, record.pk)
    elif record.state == EnrollmentState.RECORDED and record.printable_on is not None and record.printable_on > today:
        printable_from = record.printable_on  # no estimate: the queue does not take it before that day
    elif record.state in (EnrollmentState.QUEUED, EnrollmentState.RECORDED):
        estimate = _estimate(record, today)
    return Card(office=record.office, state=record.state, enrolled_month=record.enrolled_on.replace(day=1),
                collected_on=collected_on, estimate=estimate, printable_from=printable_from,
                since=record.enrolled_on if record.state == EnrollmentState.AT_CENTRE else None,
                carded=record.state == EnrollmentState.VOID and OUTCOME_OF.get(record.ktp_status) == Outcome.CARDED)


def _collected_on(office: Office, enrollment_id) -> date | None:
    collected = (PrintJob.objects.filter(enrollment_id=enrollment_id, collected_at__isnull=False)
                 .values_list("collected_at", flat=True).first())
    return local_day(office, collected) if collected else None


def _estimate(record: Enrollment, today: date) -> Estimate:
    """Print order is enrollment date, then id (the queue rule). A queued card has its blank; a recorded one
    gets one only if enough blanks are available for every waiting card before it, else it waits for the
    ministry and no date is given."""
    if record.state == EnrollmentState.QUEUED:
        ahead = _ahead_in(record, EnrollmentState.QUEUED)
    else:
        waiting_ahead = _ahead_in(record, EnrollmentState.RECORDED)
        if waiting_ahead >= BlankStock.objects.get(office_id=record.office_id).available:
            return Estimate(ahead=waiting_ahead, per_day=None, working_days=None, around=None,
                            waits_for_blanks=True, asked_on=_asked_on(record.office))
        ahead = EnrollmentCounts.objects.get(office_id=record.office_id).queued + waiting_ahead
    per_day = print_rate(record.office, today=today).per_day
    if not per_day:
        return Estimate(ahead=ahead, per_day=None, working_days=None, around=None)
    days = math.ceil((ahead + 1) / per_day)
    return Estimate(ahead=ahead, per_day=float(per_day), working_days=days, around=add_working_days(today, days))


def _ahead_in(record: Enrollment, state: str) -> int:
    """How many of the office's cards in `state` come before this one (enrollment date, then id).

    The earlier days from the counts the write side keeps per day and state, and the card's own day from its
    records (a short range of the state's partial index): the same few rows whatever the office's size.
    """
    earlier_days = (EnrollmentDayCount.objects.filter(office_id=record.office_id, state=state, enrolled_on__lt=record.enrolled_on)
                    .aggregate(n=Sum("count"))["n"] or 0)
    same_day = Enrollment.objects.filter(office_id=record.office_id, state=state, enrolled_on=record.enrolled_on, id__lt=record.id).count()
    return earlier_days + same_day


def add_working_days(day: date, days: int) -> date:
    """The day that many working days (Monday to Friday; holidays are not known) after `day`."""
    while days > 0:
        day += timedelta(days=1)
        if day.weekday() in WORKING_DAYS:
            days -= 1
    return day


def mask_name(name: str) -> str:
    """'Yohanes Ndoen' -> 'Y. N.': the initials, enough to compare with the paper; nothing of the words' lengths."""
    return " ".join(f"{word[0]}." for word in name.split())


def mask_nik(nik: str) -> str:
    """'5371015705900001' -> '537101 ****** **01': the region and the last two digits; the birth date and most of the serial hidden."""
    return f"{nik[:6]} ****** **{nik[-2:]}"


@dataclass(frozen=True)
class SuketCheck:
    number: str
    office: Office
    holder: str  # masked: initials
    nik: str  # masked: region and the last two digits
    birth_year: int
    issued_on: date
    valid_until: date
    ended_on: date | None
    valid: bool
    ended_by_pickup: bool


def check_suket(number: str, today: date | None = None) -> SuketCheck | None:
    """A Suket is genuine if its number exists; valid if it has not ended and today is not past valid_until."""
    suket = TemporaryCertificate.objects.select_related("office", "enrollment").filter(number=number).first()
    if suket is None:
        return None
    today = today or local_day(suket.office)
    ended_by_pickup = False
    # Ended by the pickup: it ended the day the card was collected, still valid then. (A Suket replaced
    # after it had expired ended later than its valid_until, perhaps on the day of the pickup too.)
    if suket.ended_on is not None and suket.ended_on <= suket.valid_until and suket.enrollment.state == EnrollmentState.COLLECTED:
        ended_by_pickup = _collected_on(suket.office, suket.enrollment_id) == suket.ended_on
    return SuketCheck(
        number=suket.number, office=suket.office, holder=mask_name(suket.enrollment.name),
        nik=mask_nik(suket.enrollment.nik), birth_year=suket.enrollment.birth_date.year, issued_on=suket.issued_on,
        valid_until=suket.valid_until, ended_on=suket.ended_on,
        valid=suket.ended_on is None and today <= suket.valid_until, ended_by_pickup=ended_by_pickup,
    )
