"""The pages during `make bench-pages`: every office page and every public page, served by the app, timed.

`manage.py bench_pages` runs `prepare(code)` and `time_pages(codes)` in a
child process (`manage.py shell -c`) against its own database. A page is
requested through Django's test client in this process, as a browser's
request would be handled by gunicorn: URL routing, every middleware (the
session, the login, the language), the view, its queries and its template.
The time is from the request to the last byte of the response (server time;
no network, no proxy). The cache is emptied before every request, so a
page that keeps something in the cache (the public board) is timed as it is
built, not as it is read back.
"""
import json
import statistics
import time

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client

from backlog import desks, suket
from people.roles import Role
from printing.models import PRINT_ORDER, PrintJob
from registry.models import DuplicateCase, Enrollment, EnrollmentState, Office, TemporaryCertificate

RUNS = 5
PRINTED = 300  # cards printed at the desk, a day's work: the ready board, the pickup desk, the desk's day
COLLECTED = 100
SUKETS = 20


def prepare(code: str) -> None:
    """An office's people, a day at the print desk (cards printed, some collected) and some Suket, through the write side."""
    office = Office.objects.get(code=code)
    users = get_user_model().objects
    people = {role: users.get_or_create(username=f"{role}.{code}", defaults={"office": office, "role": role})[0]
              for role in (Role.HEAD, Role.CLERK, Role.STOCK_KEEPER)}
    by = people[Role.CLERK]
    queued = PrintJob.objects.filter(office=office, state=PrintJob.State.QUEUED)
    jobs = list(queued.order_by(*PRINT_ORDER)[:min(PRINTED, queued.count() // 3)])  # most of the queue stays queued
    for job in jobs:
        desks.mark_printed(job=job, by=by)
    for job in jobs[:len(jobs) * COLLECTED // PRINTED]:
        desks.record_pickup(job=PrintJob.objects.get(pk=job.pk), by=by)
    for enrollment in Enrollment.objects.filter(office=office, state=EnrollmentState.RECORDED).order_by("enrolled_on", "id")[:SUKETS]:
        suket.issue_suket(enrollment=enrollment, by=by)
    print(json.dumps({"prepared": code}))


def _pages(office: Office) -> list[tuple[str, str, str, dict | None]]:
    """(label, role, path, form) of every page measured; a form makes it a POST (the resident's "my card")."""
    queued = Enrollment.objects.filter(office=office, state=EnrollmentState.QUEUED).order_by("-enrolled_on", "-id").first()
    waiting = Enrollment.objects.filter(office=office, state=EnrollmentState.RECORDED).order_by("-enrolled_on", "-id").first()
    ready = PrintJob.objects.filter(office=office, state=PrintJob.State.PRINTED, collected_at__isnull=True).select_related("enrollment").first()
    case = DuplicateCase.objects.filter(office=office, status=DuplicateCase.Status.OPEN).order_by("-id").first()
    certificate = TemporaryCertificate.objects.filter(office=office).order_by("-id").first()
    month = f"{queued.enrolled_on:%m-%Y}"
    name = waiting.name.split()[0]
    nik = waiting.nik[:10]
    pages = [
        ("dashboard", Role.HEAD, "/dasbor/", None),
        ("print desk", Role.CLERK, "/cetak/", None),
        ("print desk, page 2", Role.CLERK, "/cetak/?page=2", None),
        ("pickup desk", Role.CLERK, "/pengambilan/", None),
        ("pickup desk, a name searched", Role.CLERK, f"/pengambilan/?q={ready.enrollment.name.split()[0]}", None),
        ("ready cards", Role.CLERK, "/pengambilan/siap/", None),
        ("a ready card", Role.CLERK, f"/pengambilan/{ready.pk}/", None),
        ("enrollments (default order)", Role.CLERK, "/perekaman/", None),
        ("enrollments, newest first", Role.CLERK, "/perekaman/?sort=-enrolled_on", None),
    ]
    for state in EnrollmentState.values:
        pages.append((f"enrollments, state {state}", Role.CLERK, f"/perekaman/?state={state}", None))
    for label, query in (("NIK prefix", f"nik={nik}"), ("name", f"name={name}"), ("month", f"month={month}")):
        pages.append((f"enrollments, {label}", Role.CLERK, f"/perekaman/?{query}", None))
        for sort in ("name", "-enrolled_on", "subdistrict", "village", "state", "nik"):
            pages.append((f"enrollments, {label}, sorted by {sort}", Role.CLERK, f"/perekaman/?{query}&sort={sort}", None))
    pages += [
        ("enrollments to look at", Role.CLERK, "/perekaman/perlu-diperiksa/", None),
        ("a queued card's record", Role.CLERK, f"/perekaman/{queued.pk}/", None),
        ("duplicates desk", Role.CLERK, "/data-ganda/", None),
        ("duplicates desk, resolved", Role.CLERK, "/data-ganda/?status=resolved", None),
        ("a duplicate case", Role.CLERK, f"/data-ganda/{case.pk}/" if case else "/data-ganda/", None),
        ("Suket desk", Role.CLERK, "/suket/", None),
        ("a Suket", Role.CLERK, f"/suket/{certificate.pk}/", None),
        ("stock", Role.STOCK_KEEPER, "/stok/", None),
        ("monthly stock report", Role.STOCK_KEEPER, "/stok/laporan/", None),
        ("spoilage minutes", Role.STOCK_KEEPER, "/stok/berita-acara/", None),
        ("requests", Role.HEAD, "/permintaan/", None),
        ("new request", Role.HEAD, "/permintaan/baru/", None),
        ("the office's accounts", Role.HEAD, "/akun-kantor/", None),
        ("public: offices", "", "/publik/", None),
        ("public: ready board", "", f"/publik/{office.code}/", None),
        ("public: my card, queued card", "", "/publik/kartu-saya/", _my_card(queued)),
        ("public: my card, waiting card", "", "/publik/kartu-saya/", _my_card(waiting)),
        ("public: my card, ready card", "", "/publik/kartu-saya/", _my_card(ready.enrollment)),
        ("public: Suket check", "", f"/publik/suket/{certificate.number}/", None),
    ]
    return pages


def _my_card(record: Enrollment) -> dict:
    return {"nik": record.nik, "tanggal_lahir": f"{record.birth_date:%d-%m-%Y}", "nama_ibu": record.mother_name}


def time_pages(codes: list[str]) -> None:
    """One JSON line: per office code, per page, its median time in seconds over RUNS (after one unmeasured request)."""
    results = {}
    address = 0
    for code in codes:
        office = Office.objects.get(code=code)
        clients = {}
        results[code] = {}
        for label, role, path, form in _pages(office):
            if role not in clients:
                clients[role] = Client()
                if role:
                    clients[role].force_login(get_user_model().objects.get(username=f"{role}.{code}"))
            client, times = clients[role], []
            for run in range(RUNS + 1):
                address += 1
                # A resident's lookups come from addresses of their own, as in life: the rate limit does not stop the bench.
                extra = {"REMOTE_ADDR": f"127.{address // 65536 % 256}.{address // 256 % 256}.{address % 256 or 1}"}
                cache.clear()
                start = time.perf_counter()
                response = client.post(path, form, secure=True, **extra) if form else client.get(path, secure=True, **extra)
                b"".join(response.streaming_content) if response.streaming else response.content
                seconds = time.perf_counter() - start
                if response.status_code != 200:
                    raise SystemExit(f"{label} ({path}) answered {response.status_code}")
                if run:
                    times.append(seconds)
            results[code][label] = statistics.median(times)
    print(json.dumps(results))
