"""Offices and their people, enrollments (a card's life), duplicate cases and Suket."""
from datetime import date
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.dates import now
from people.roles import Role


class TimeZone(models.TextChoices):
    """Indonesia's three time zones; an office's "today" and working day are in its own."""

    WIB = "Asia/Jakarta", "WIB (UTC+7)"
    WITA = "Asia/Makassar", "WITA (UTC+8)"
    WIT = "Asia/Jayapura", "WIT (UTC+9)"

    @property
    def abbreviation(self) -> str:
        return self.name


class Office(models.Model):
    """One Disdukcapil: a regency or city, known by its 4-digit region code."""

    code = models.CharField(_("region code"), max_length=4, unique=True)
    name = models.CharField(_("name"), max_length=200)
    address = models.TextField(_("address"), blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=200, blank=True)
    # Set by the head on the dashboard: days from sending a request to the ministry until its blanks arrive.
    request_lead_time_days = models.PositiveSmallIntegerField(_("lead time of a request (days)"), default=30)
    # The office's own clock: its days, months and documents. Set from the province by create_office;
    # changed through backlog.offices.set_time_zone, which recomputes the monthly figures.
    time_zone = models.CharField(_("time zone"), max_length=40, choices=TimeZone.choices, default=TimeZone.WIB)
    # Set by the head on the office's accounts page (people.accounts): the head and the stock keeper log in with a code from a phone app too.
    second_factor_required = models.BooleanField(_("second factor required"), default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("office")
        verbose_name_plural = _("offices")
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^[0-9]{4}$"), name="office_code_is_four_digits"),
            models.CheckConstraint(condition=Q(request_lead_time_days__gte=1, request_lead_time_days__lte=365), name="request_lead_time_within_a_year"),
            models.CheckConstraint(condition=Q(time_zone__in=TimeZone.values), name="office_time_zone_is_indonesian"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def zone_abbreviation(self) -> str:
        """WIB, WITA or WIT, as residents read it next to a time."""
        return TimeZone(self.time_zone).abbreviation


class User(AbstractUser):
    """A person of one office, with one role there."""

    office = models.ForeignKey(Office, on_delete=models.PROTECT, null=True, blank=True, related_name="users", verbose_name=_("office"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.CLERK)
    # Made by seed_demo with the published demo password; the login page lists them.
    is_demo = models.BooleanField(default=False)
    # Set when the head gives the account a one-time password (people.accounts): it changes it before anything else.
    must_change_password = models.BooleanField(_("must change password"), default=False)
    # Chosen with the language switch; empty: the office's language (Indonesian), whatever the browser asks for.
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, blank=True, default="")


class EnrollmentState(models.TextChoices):
    RECORDED = "recorded", _("Recorded, waiting")
    QUEUED = "queued", _("In the print queue")
    READY = "ready", _("Ready for pickup")
    COLLECTED = "collected", _("Collected")
    ON_HOLD = "on_hold", _("On hold (duplicate)")
    VOID = "void", _("Void")
    # SIAK says SENT FOR ENROLLMENT: the centre has not checked the biometrics yet. Never queued.
    AT_CENTRE = "at_centre", _("Waiting for the centre's check")
    # SIAK says the recording failed (ENROLL FAILURE AT REGION or AT CENTRAL, SEARCH FAILURE AT CENTRAL, BAD
    # RECORD): the resident must record again, and is called back. Never queued.
    FAILED = "failed", _("Recording failed: record again")


class Sex(models.TextChoices):
    MALE = "L", _("Male")
    FEMALE = "P", _("Female")


class MaritalStatus(models.TextChoices):
    """SIAK's STAT_KWN codes."""

    SINGLE = "1", _("Not married (belum kawin)")
    MARRIED = "2", _("Married (kawin)")
    DIVORCED = "3", _("Divorced (cerai hidup)")
    WIDOWED = "4", _("Widowed (cerai mati)")


# A queued card of a resident who was of age (or married) when recorded: its printable day is its recording day.
# (printable_on is never before enrolled_on: the 17th birthday or the recording day, whichever is later.)
QUEUED_OF_AGE = Q(state="queued") & (Q(printable_on__isnull=True) | Q(printable_on__lte=models.F("enrolled_on")))


class Enrollment(models.Model):
    """A resident's biometric recording (perekaman) and the state of their card."""

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="enrollments", db_index=False)
    nik = models.CharField("NIK", max_length=16)
    name = models.CharField(_("name"), max_length=200)
    birth_place = models.CharField(_("place of birth"), max_length=100)
    birth_date = models.DateField(_("date of birth"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    address = models.CharField(_("address"), max_length=300)
    rt = models.CharField("RT", max_length=3)
    rw = models.CharField("RW", max_length=3)
    village = models.CharField(_("village (kelurahan/desa)"), max_length=100)
    subdistrict = models.CharField(_("subdistrict (kecamatan)"), max_length=100)
    enrolled_on = models.DateField(_("enrollment date"))
    # SIAK's optional nama_ibu: the second thing a resident answers on "my card". Blank for records
    # imported from files without it; such records are never found there (public.selectors.find_cards).
    mother_name = models.CharField(_("mother's name"), max_length=200, blank=True, default="")
    # SIAK's optional NO_KK, STAT_KWN and EKTP_CURRENT_STATUS_CODE, blank when the file had none. db_default: added
    # to millions of rows without rewriting the table (a constant default is only noted in PostgreSQL's catalogue).
    family_card = models.CharField(_("family card number (KK)"), max_length=16, blank=True, default="", db_default="")
    marital_status = models.CharField(_("marital status"), max_length=1, blank=True, choices=MaritalStatus.choices,
                                      default="", db_default="")
    # The status SIAK gave the record when it was imported; blank from a file without the column (print-ready).
    ktp_status = models.CharField(_("KTP-el status in SIAK"), max_length=30, blank=True, default="", db_default="")
    # The first day the card may be printed (registry.ages: the 17th birthday, or the recording date once married),
    # set by the importer for every row. Null only for records of before the age rule whose backfill has not reached
    # them yet (migration 0015): those count as printable, as they did.
    printable_on = models.DateField(_("printable from"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=EnrollmentState.choices, default=EnrollmentState.RECORDED)
    duplicate_case = models.ForeignKey(
        "DuplicateCase", on_delete=models.PROTECT, null=True, blank=True, related_name="enrollments", db_index=False
    )
    # The import that brought the record. No database constraint or index: checking a foreign key
    # row by row costs a big import seconds per million rows; check_ledger verifies the links instead.
    source = models.ForeignKey(
        "EnrollmentImport", on_delete=models.DO_NOTHING, null=True, blank=True, related_name="+",
        db_constraint=False, db_index=False, verbose_name=_("imported by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        constraints = [
            # The import's idempotency rests on this: a re-run skips rows it already holds.
            models.UniqueConstraint(fields=["office", "nik", "enrolled_on"], name="one_enrollment_per_person_and_date"),
            models.CheckConstraint(condition=Q(nik__regex=r"^[0-9]{16}$"), name="enrollment_nik_is_sixteen_digits"),
            models.CheckConstraint(condition=Q(state__in=EnrollmentState.values), name="enrollment_state_is_known"),
        ]
        indexes = [
            # The queue rule reads exactly this: waiting records, oldest first, with the day each may be printed (the age
            # rule) in the index itself, so the build reads no table row to pass over a card not yet printable.
            # (INCLUDE is PostgreSQL's; SQLite builds the index without it.)
            models.Index(fields=["office", "enrolled_on", "id"], include=["printable_on"], condition=Q(state="recorded"),
                         name="enrollment_waiting_order"),
            # The cards waiting under age at recording, by the day they may be printed: the sweep's probe for
            # the day's birthdays and the dashboard's demand within the lead time read a few rows of it.
            models.Index(fields=["office", "printable_on"], condition=Q(state="recorded", printable_on__gt=models.F("enrolled_on")),
                         name="enrollment_waiting_under_age"),
            # The enrollments desk's default order, and the dashboard's recent enrollments.
            models.Index(fields=["office", "enrolled_on", "id"], name="enrollment_office_date"),
            # The desk filtered by a state, in its order: the planner otherwise walks the one above past every older
            # record of another state (half a million queued before the first waiting one: 1.9 s at 5,000,000).
            models.Index(fields=["office", "state", "enrolled_on", "id"], name="enrollment_state_order"),
            # The dashboard: backlog on hold by month, and how far printing has reached.
            models.Index(fields=["office", "enrolled_on"], condition=Q(state="on_hold"), name="enrollment_on_hold_order"),
            models.Index(fields=["office", "enrolled_on"], condition=Q(state="queued"), name="enrollment_queued_order"),
            # Where printing has reached: the oldest queued card of a resident of age when recorded (a birthday card
            # sits far behind it), one index entry to read however long the queue.
            models.Index(fields=["office", "enrolled_on"], condition=QUEUED_OF_AGE, name="enrollment_queued_of_age"),
            # The enrollments desk's lists of records at the centre and of residents to call back (few of millions).
            models.Index(fields=["office", "enrolled_on", "id"], condition=Q(state="at_centre"), name="enrollment_at_centre_order"),
            models.Index(fields=["office", "enrolled_on", "id"], condition=Q(state="failed"), name="enrollment_failed_order"),
            # A case's records. Few records ever have a case: the rest (and every imported row) stay out of it.
            models.Index(fields=["duplicate_case"], condition=Q(duplicate_case__isnull=False), name="enrollment_duplicate_case"),
        ]

    def __str__(self):
        return f"{self.nik} {self.name} ({self.enrolled_on:%Y-%m-%d})"


class EnrollmentCounts(models.Model):
    """Per office, how many enrollments are in each state now.

    Maintained in the same transaction by every service that moves a card, so
    the dashboard and stock_report never count millions of rows; check_ledger
    recounts and compares.
    """

    office = models.OneToOneField(Office, on_delete=models.PROTECT, primary_key=True, related_name="enrollment_counts")
    recorded = models.BigIntegerField(default=0)
    queued = models.BigIntegerField(default=0)
    ready = models.BigIntegerField(default=0)
    collected = models.BigIntegerField(default=0)
    on_hold = models.BigIntegerField(default=0)
    void = models.BigIntegerField(default=0)
    # Of the recorded ones, those under age when recorded (printable_on after enrolled_on): printable only from
    # their 17th birthday. The sweep asks for no build where every waiting card is one of them and none is due today.
    under_age = models.BigIntegerField(default=0, db_default=0)
    at_centre = models.BigIntegerField(default=0, db_default=0)
    failed = models.BigIntegerField(default=0, db_default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(recorded__gte=0, queued__gte=0, ready__gte=0, collected__gte=0, on_hold__gte=0, void__gte=0,
                            at_centre__gte=0, failed__gte=0),
                name="enrollment_counts_never_negative",
            ),
            models.CheckConstraint(condition=Q(under_age__gte=0, under_age__lte=models.F("recorded")),
                                   name="enrollment_counts_under_age_within_recorded"),
        ]


class EnrollmentDayCount(models.Model):
    """Per office, recording day and state, how many enrollments there are now: the backlog by day and month.

    Kept by the same statement that counts EnrollmentCounts (backlog.cards), in
    the same transaction, so a dashboard or a resident's place in the queue
    adds up a few thousand rows (one per day an office recorded) instead of
    counting millions; check_ledger recounts every office in one grouped pass.
    A row whose count fell to zero stays.
    """

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+", db_index=False)
    enrolled_on = models.DateField(_("enrollment date"))
    state = models.CharField(_("state"), max_length=10, choices=EnrollmentState.choices)
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            # The upsert of backlog.cards rests on it (ON CONFLICT), and so does the dashboard's order.
            models.UniqueConstraint(fields=["office", "enrolled_on", "state"], name="one_count_per_office_day_and_state"),
            models.CheckConstraint(condition=Q(count__gte=0), name="enrollment_day_count_never_negative"),
        ]


class DuplicateCase(models.Model):
    """One resident recorded more than once (pendobelan): held until resolved in person."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")
        VOID = "void", _("Void")

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="duplicate_cases")
    nik = models.CharField("NIK", max_length=16)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    kept = models.ForeignKey(Enrollment, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    note = models.TextField(_("note"), blank=True)
    # SIAK said DUPLICATE RECORD or ADJUDICATE RECORD for a record of the case: the centre closes it, when a
    # later export says PRINT READY RECORD, once the office has sent the resident's documents for adjudication.
    flagged_by_centre = models.BooleanField(_("flagged by the centre"), default=False, db_default=False)
    visited_on = models.DateField(_("resident came in on"), null=True, blank=True)
    documents_sent = models.TextField(_("documents sent for adjudication"), blank=True, default="", db_default="")
    visit_recorded_at = models.DateTimeField(null=True, blank=True)
    visit_recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    # The earliest recording date among its records: how long the resident has waited, the desk's order. Kept by
    # the write side whenever records join or leave a case (backlog.duplicates.date_cases); check_ledger recomputes it.
    first_enrolled = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("duplicate case")
        verbose_name_plural = _("duplicate cases")
        constraints = [
            models.UniqueConstraint(fields=["office", "nik"], condition=Q(status="open"), name="one_open_duplicate_case_per_person"),
            models.CheckConstraint(
                condition=Q(status="open") | Q(resolved_at__isnull=False, resolved_by__isnull=False),
                name="closed_duplicate_case_says_who_and_when",
            ),
        ]
        indexes = [
            # The duplicates desk, a page of 20 read off an index whatever the number of cases: open ones the longest
            # waiting first, closed ones the latest decision first.
            models.Index(fields=["office", "first_enrolled", "id"], condition=Q(status="open"), name="duplicate_case_open_order"),
            models.Index(fields=["office", "-resolved_at", "-id"], condition=~Q(status="open"), name="duplicate_case_closed_order"),
        ]


class TemporaryCertificate(models.Model):
    """A Suket: stands in for the card while it is not printed; ends when it is collected."""

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="certificates")
    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="certificates")
    number = models.CharField(_("number"), max_length=40, unique=True)
    issued_on = models.DateField(_("issued on"))
    valid_until = models.DateField(_("valid until"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    ended_on = models.DateField(_("ended on"), null=True, blank=True)

    class Meta:
        verbose_name = _("temporary certificate (Suket)")
        verbose_name_plural = _("temporary certificates (Suket)")
        constraints = [
            models.UniqueConstraint(fields=["enrollment"], condition=Q(ended_on__isnull=True), name="one_current_suket_per_enrollment"),
            models.CheckConstraint(condition=Q(valid_until__gt=models.F("issued_on")), name="suket_valid_after_issue"),
        ]

    def is_valid_on(self, day: date) -> bool:
        return self.ended_on is None and self.issued_on <= day <= self.valid_until


class EnrollmentImport(models.Model):
    """One run of the SIAK import, from the page or the command: who ran it, on which file, what it did."""

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="imports")
    file_name = models.CharField(_("file"), max_length=255)
    started_at = models.DateTimeField(_("started at"), default=now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("run by"))
    rows = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    already_there = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    # The file's rows by what their KTP-el status does (registry.importer.KTP_EL_STATUSES), and the records
    # already held whose status or empty fields a later export changes (StatusUpdate).
    print_ready = models.PositiveIntegerField(default=0, db_default=0)
    at_centre = models.PositiveIntegerField(default=0, db_default=0)
    failed = models.PositiveIntegerField(default=0, db_default=0)
    flagged = models.PositiveIntegerField(default=0, db_default=0)
    carded = models.PositiveIntegerField(default=0, db_default=0)
    updates = models.PositiveIntegerField(default=0, db_default=0)
    # The queue build an import with new records asks for after its commit, as backlog.queue recorded it: when it
    # ran, the blanks it found free and the cards it queued (the first build that saw the committed import).
    queue_built_at = models.DateTimeField(_("queue built at"), null=True, blank=True)
    queue_available = models.BigIntegerField(_("blanks available to the queue build"), null=True, blank=True)
    queue_queued = models.BigIntegerField(_("cards queued by the queue build"), null=True, blank=True)

    class Meta:
        indexes = [
            # The few imports whose queue build has not run yet (backlog.work.due_work, backlog.queue).
            models.Index(fields=["office"], condition=Q(queue_built_at__isnull=True, imported__gt=0), name="import_waiting_for_queue"),
        ]

    def __str__(self):
        return f"{self.file_name} ({self.started_at:%Y-%m-%d %H:%M})"


class StatusUpdate(models.Model):
    """What a later export says of a record already held (same NIK and date): staged by the import, applied after it.

    Written in the import's transaction, one row per record; applied after it
    commits, in batches that each commit under the ledger lock
    (backlog.statuses), and taken up again by the sweep while any is unapplied.
    `outcome` says what applying it did.
    """

    class Outcome(models.TextChoices):
        APPLIED = "applied", _("Applied")
        UNCHANGED = "unchanged", _("Nothing to change")
        LEFT_BACKLOG = "left_backlog", _("Has a card already: left the backlog")
        TO_LOOK_AT = "to_look_at", _("Contradicts the office: not applied, to look at")
        VOID = "void", _("Record void: stays void")

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+", db_index=False)
    run = models.ForeignKey(EnrollmentImport, on_delete=models.PROTECT, related_name="status_updates")
    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="+")
    ktp_status = models.CharField(_("KTP-el status in SIAK"), max_length=30, blank=True)
    mother_name = models.CharField(max_length=200, blank=True)
    family_card = models.CharField(max_length=16, blank=True)
    marital_status = models.CharField(max_length=1, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    # The record's state when it was applied, for the list to look at.
    state_then = models.CharField(max_length=10, choices=EnrollmentState.choices, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The apply batches and the sweep read only the unapplied ones.
            models.Index(fields=["run", "id"], condition=Q(applied_at__isnull=True), name="status_update_pending"),
            # The enrollments desk's list of what later exports said that the office has to look at.
            models.Index(fields=["office", "id"], condition=Q(outcome__in=["to_look_at", "left_backlog"]), name="status_update_to_look_at"),
        ]


class Correction(models.Model):
    """A mistake at a desk put right: a new event beside the card's history, never an edit of it.

    Where blanks move, the correcting movements are linked here and in the ledger.
    """

    class Kind(models.TextChoices):
        UNDO_PRINTED = "undo_printed", _("Printed marked by mistake: undone")
        UNDO_SPOILED = "undo_spoiled", _("Spoiled marked by mistake: undone")
        DEFECTIVE = "defective", _("Printed card found defective: printed again first")
        UNDO_PICKUP = "undo_pickup", _("Pickup recorded against the wrong card: undone")
        EDIT_RECORD = "edit_record", _("Imported data corrected")
        VOID_RECORD = "void_record", _("Record voided (wrong NIK or date)")
        REOPEN_DUPLICATE = "reopen_duplicate", _("Duplicate case reopened")
        MARRIAGE = "marriage", _("Marriage recorded: printable now")

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="corrections")
    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="corrections")
    kind = models.CharField(_("correction"), max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField(_("when"), default=now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("who"))
    reason = models.CharField(_("reason"), max_length=300)
    # For an edit: {field: [before, after]}.
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="correction_says_why")]


def upload_path(instance, filename):
    return f"uploads/{instance.office.code}/{filename}"


class EnrollmentUpload(models.Model):
    """A SIAK export uploaded from the browser, imported by a Celery task."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Done")
        UNUSABLE = "unusable", _("Unusable file")
        FAILED = "failed", _("Failed")

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="uploads")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    file = models.FileField(upload_to=upload_path)
    original_name = models.CharField(max_length=255)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.WAITING)
    rows = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    already_there = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # When the file and its rejected-rows report were deleted, after UPLOAD_RETENTION_DAYS; the record stays.
    files_removed_at = models.DateTimeField(_("files removed at"), null=True, blank=True)
    # The import run, once it has committed.
    run = models.OneToOneField(EnrollmentImport, on_delete=models.PROTECT, null=True, blank=True, related_name="upload")

    @staticmethod
    def progress_key_of(upload_id) -> str:
        """The cache key of the rows an import has read so far (its rows are invisible until it commits)."""
        return f"upload-progress-{upload_id}"

    REJECTED_SUFFIXES = ("xlsx", "csv")

    @property
    def rejected_name(self):
        """The rejected-rows report beside the file in its storage: a workbook's is a workbook (the import wrote one or the other)."""
        if not self.file:
            return ""
        workbook = f"{self.file.name}.rejected.xlsx"
        return workbook if self.file.storage.exists(workbook) else f"{self.file.name}.rejected.csv"

    @property
    def rejected_path(self):
        """The report as a local path where the files are on this machine's disk (FileSystemStorage); else ""."""
        if not self.file or not isinstance(self.file.storage, FileSystemStorage):
            return ""
        return self.file.storage.path(self.rejected_name)
