"""After every kind of write, every office page of every role still answers; and so after the demo data.

The pages are found from the URLs (tests.pages.office_pages) and opened with
the office's real records in their parameters: a record of each kind and
state the office holds, so a page that fails on one kind of row (a blank
written off in the store room has no print job) fails here. The writes are
the race tests' table (tests/writes.py): a new kind of write is tried the
day it is added there.
"""
import re

import pytest
from django.core.management import call_command
from django.test import Client

from inventory.models import BlankMovement, BlankRequest, MovementKind, ReceiptCorrection, StockCount
from people.roles import Role
from printing.models import PrintJob
from desks.printing.views import JOB_CORRECTIONS
from registry.models import DuplicateCase, Enrollment, EnrollmentImport, EnrollmentUpload, Office, TemporaryCertificate, User
from tests import factories as f, writes
from tests.pages import office_pages
from tests.parallel import NothingToDo

pytestmark = pytest.mark.django_db

ROLES = (Role.CLERK, Role.STOCK_KEEPER, Role.HEAD)
# The records a page's <pk> names, by the page's URL name (the part before the first '_' of most names is the desk).
RECORDS = {
    "enrollment_detail": Enrollment, "enrollment_edit": Enrollment, "enrollment_void": Enrollment, "enrollment_marriage": Enrollment,
    "enrollment_upload_status": EnrollmentUpload, "enrollment_upload_retry": EnrollmentUpload, "enrollment_upload_rejected": EnrollmentUpload,
    "duplicate_detail": DuplicateCase, "duplicate_reopen": DuplicateCase, "duplicate_visit": DuplicateCase,
    "suket_detail": TemporaryCertificate, "suket_pdf": TemporaryCertificate,
    "stock_count_approve": StockCount, "stock_count_reject": StockCount,
    "stock_receipt_correct": BlankMovement,
    "stock_receipt_approve": ReceiptCorrection, "stock_receipt_reject": ReceiptCorrection,
    "request_detail": BlankRequest, "request_send": BlankRequest, "request_close": BlankRequest, "request_letter_pdf": BlankRequest,
    "account_role": User, "account_active": User, "account_password": User,
    "mark_job_printed": PrintJob, "spoil_job": PrintJob, "correct_job": PrintJob, "pickup_card": PrintJob, "hand_over": PrintJob,
    "pickup_receipt": PrintJob,
}
# Documents render in WeasyPrint (about half a second each): one record of each is enough after each write.
DOCUMENTS = {"suket_pdf", "request_letter_pdf", "pickup_receipt"}
# The rows a page is for, where others only answer 404: a receipt is of a collected card.
ONLY = {"pickup_receipt": {"collected_at__isnull": False}}
# One record of each state a model has (the newest), so every kind of row is met without opening thousands.
STATE_FIELD = {Enrollment: "state", PrintJob: "state", DuplicateCase: "status", StockCount: "status", ReceiptCorrection: "status",
               BlankRequest: "status", EnrollmentUpload: "status"}


def _records(model, office, *, one=False, only=None):
    rows = model.objects.filter(office=office, **(only or {}))
    if model is BlankMovement:
        rows = rows.filter(kind=MovementKind.RECEIPT)
    field = STATE_FIELD.get(model)
    if one or field is None:
        newest = rows.order_by("-pk").first()
        return [newest.pk] if newest else []
    return [rows.filter(**{field: state}).order_by("-pk").values_list("pk", flat=True).first()
            for state in rows.order_by().values_list(field, flat=True).distinct()]


def office_urls(office, *, documents=True):
    """Every office page's address, with this office's records of each kind and state in its parameters."""
    urls = []
    for name, route, _roles in office_pages():
        if "<" not in route:
            urls.append("/" + route)
            urls.extend(f"/{route}?{query}" for query in _views_of(name, office))
            continue
        if name in DOCUMENTS and not documents:
            continue
        for pk in _records(RECORDS[name], office, one=name in DOCUMENTS, only=ONLY.get(name)):
            path = "/" + re.sub(r"<int:pk>", str(pk), route)
            kinds = JOB_CORRECTIONS if "<str:kind>" in path else [""]
            urls.extend(path.replace("<str:kind>", kind) for kind in kinds)
    return urls


def _views_of(name, office) -> list[str]:
    """The other views of a list page that only its query string opens (closed cases, one import's cases, the work list's downloads)."""
    if name == "work_list":
        return ["format=csv", "format=xlsx"]
    if name != "duplicates":
        return []
    run = EnrollmentImport.objects.filter(office=office).order_by("-pk").first()
    return ["status=closed", "status=all", "q=a"] + ([f"impor={run.pk}"] if run else [])


def server_errors(office, *, documents=True):
    """(role, address, status) of every office page that answers 5xx to a person of this office."""
    failed = []
    urls = office_urls(office, documents=documents)
    for role in ROLES:
        client = Client(raise_request_exception=False)
        client.force_login(f.person(office, role))
        for url in urls:
            status = client.get(url).status_code
            if status >= 500:
                failed.append((role, url, status))
    return failed


@pytest.fixture
def busy_office(worker_away):
    """An office with something of every kind: waiting, queued, printed, collected and spoiled cards, cases, Suket, blanks."""
    return writes.busy_office(40)


def test_the_pages_are_opened_with_real_records(busy_office):
    urls = office_urls(busy_office)
    opened = {url.split("/")[1] for url in urls}
    assert {"perekaman", "data-ganda", "suket", "cetak", "pengambilan", "stok", "dasbor", "permintaan"} <= opened
    assert any(re.fullmatch(r"/cetak/\d+/koreksi/undo_printed/", url) for url in urls)
    assert any(re.fullmatch(r"/stok/penerimaan/\d+/koreksi/", url) for url in urls)
    assert any(re.fullmatch(r"/pengambilan/\d+/tanda-terima/", url) for url in urls)


@pytest.mark.parametrize("write", sorted(writes.WRITES))
def test_after_each_kind_of_write_every_page_of_every_role_answers(busy_office, write, worker_away):
    try:
        writes.WRITES[write][1](busy_office)
    except NothingToDo:
        pytest.fail(f"the busy office gave '{write}' nothing to act on")
    assert server_errors(busy_office, documents=write in {"suket", "receipt", "receipt correction"}) == []


def test_after_a_store_room_write_off_the_print_desk_lists_the_day_and_no_write_off(busy_office, worker_away):
    keeper = User.objects.filter(office=busy_office, role=Role.STOCK_KEEPER).first()
    clerk = Client()
    clerk.force_login(User.objects.filter(office=busy_office, role=Role.CLERK).first())
    writes.print_next(busy_office)
    writes.spoil_on_the_shelf(busy_office)
    page = clerk.get("/cetak/")
    assert page.status_code == 200
    written_off = BlankMovement.objects.filter(office=busy_office, kind=MovementKind.SPOILED, print_job__isnull=True).get()
    assert written_off.created_by == keeper
    work = page.context["work_today"]
    assert work and all(movement.print_job_id for movement in work)


def test_after_the_demo_data_every_page_of_every_role_answers():
    call_command("seed_demo", "--enrollments", "300", stdout=open("/dev/null", "w"))
    for office in Office.objects.order_by("code"):
        assert server_errors(office) == [], office.code


HOSTILE = ("99999999999999999999", "-1", "9999-12", "0000-00", "9999-12-31", "0001-01-01", "1e309", "'; DROP TABLE x; --",
           "x" * 5000, "\u0661\u0662\x00")
# Parameters every list page may be sent besides its own forms': pages, sorts, periods.
COMMON_PARAMETERS = ("page", "sort", "month", "since", "until", "year", "q", "next", "per_page", "impor", "at", "format")


def _parameters(html):
    """The names of the fields of the page's GET forms (its filters and searches)."""
    names = set()
    for form in re.findall(r"<form(?![^>]*method=\"post\")[^>]*>(.*?)</form>", html, flags=re.S | re.I):
        names.update(re.findall(r"<(?:input|select|textarea)[^>]*\bname=\"([^\"]+)\"", form))
    return names - {"csrfmiddlewaretoken", "form_token"}


PUBLIC_PAGES = ("/publik/", "/publik/5371/", "/publik/kartu-saya/", "/publik/5371/kartu-saya/", "/publik/suket/")


def test_every_list_page_answers_hostile_query_strings_with_a_page_or_a_sentence(busy_office):
    failed, clients = [], {}
    for role in ROLES:
        clients[role] = Client(raise_request_exception=False)
        clients[role].force_login(f.person(busy_office, role))
    # Each office page as the first role let in (its filters and periods are everyone's alike); the residents' pages as anyone.
    pages = [(clients[next(role for role in ROLES if role in roles)], "/" + route) for _name, route, roles in office_pages() if "<" not in route]
    pages += [(Client(raise_request_exception=False), url) for url in PUBLIC_PAGES]
    for client, url in pages:
        page = client.get(url)
        if page.status_code != 200:
            continue
        for parameter in sorted(_parameters(page.content.decode()) | set(COMMON_PARAMETERS)):
            for value in HOSTILE:
                answer = client.get(url, {parameter: value})
                if answer.status_code >= 500 or (answer.status_code == 400 and "tidak" not in answer.content.decode().lower()):
                    failed.append((url, parameter, value[:20], answer.status_code))
    assert failed == [], "\n".join(map(repr, failed))


def test_a_page_number_past_the_end_shows_the_last_page_and_a_far_date_a_sentence(busy_office):
    client = Client()
    client.force_login(User.objects.filter(office=busy_office, role=Role.HEAD).first())
    last = client.get("/perekaman/", {"page": "99999999999999999999"})
    assert last.status_code == 200 and last.context["table"].page.number == -(-Enrollment.objects.filter(office=busy_office).count() // 25)
    assert client.get("/perekaman/", {"page": "-3"}).context["table"].page.number == 1
    assert client.get("/data-ganda/", {"page": "99999999999999999999"}).status_code == 200
    far = client.get("/stok/", {"until": "9999-12-31"}).content.decode()
    assert "Pilih tanggal dari 01-01-1900 sampai 31-12-2100." in far
    month = client.get("/pengambilan/siap/", {"month": "9999-12"}).content.decode()
    assert "Pilih tanggal dari" in month


def _post_forms(html):
    """(action, field names) of the page's POST forms."""
    for attributes, body in re.findall(r"<form([^>]*method=\"post\"[^>]*)>(.*?)</form>", html, flags=re.S | re.I):
        action = re.search(r"action=\"([^\"]*)\"", attributes)
        names = set(re.findall(r"<(?:input|select|textarea)[^>]*\bname=\"([^\"]+)\"", body)) - {"csrfmiddlewaretoken", "form_token", "next"}
        yield (action.group(1) if action else None), names


def test_every_form_answers_over_long_fields_with_a_sentence_and_stores_nothing(busy_office):
    movements, records = BlankMovement.objects.count(), Enrollment.objects.count()
    failed, sent = [], set()
    for role in ROLES:
        client = Client(raise_request_exception=False)
        client.force_login(f.person(busy_office, role))
        for url in office_urls(busy_office, documents=False):
            page = client.get(url)
            if page.status_code != 200 or page.streaming:  # a download (the work list's CSV and XLSX) has no form
                continue
            for action, names in _post_forms(page.content.decode()):
                # A button alone (Tercetak) has nothing to be too long; the menu's logout would end the crawl.
                if not names or action in ("/keluar/", "/i18n/setlang/"):
                    continue
                answer = client.post(action or url, {name: "9" * 5000 if "quantity" in name else "x" * 5000 for name in names})
                sent.add(re.sub(r"\d+", "N", action or url))
                if answer.status_code >= 500:
                    failed.append((role, action or url, answer.status_code))
    assert failed == [], "\n".join(map(repr, failed))
    assert (BlankMovement.objects.count(), Enrollment.objects.count()) == (movements, records)
    assert {"/stok/penerimaan/", "/stok/rusak/", "/cetak/batch/", "/permintaan/baru/"} <= sent, sorted(sent)
