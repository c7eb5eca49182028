"""A printer operator's day at the print desk: the queue first, the next card at hand, a scanner, no card out of turn without a word,
and the work list on paper and in CSV and XLSX, the same list export_queue prints."""
import io
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from backlog.desks import OutOfOrder, mark_printed, mark_printed_by_nik
from backlog.imports import import_enrollments
from backlog.ledger import receive_blanks
from backlog.queue import build_print_queue
from people.roles import Role
from printing.models import PrintJob
from printing.selectors import queue_in_print_order
from tests import factories as f
from tests.pages import logged_in

pytestmark = pytest.mark.django_db

# A comma, a quote and a formula among the names: the CSV must quote and escape them as export_queue does.
NAMES = ['Yohanes Ndoen', 'Maria "Ona" Bria', 'Lake, Fransiskus', '=HYPERLINK("x")', 'Agustina Nalle', 'Petrus Tefa']


@pytest.fixture
def window(settings):
    settings.PRINT_OUT_OF_ORDER_WINDOW = 3
    return 3


def queue(office, by, tmp_path, n):
    rows = [f.row(date(2018, 1, 1) + timedelta(days=i), code=office.code, name=f"{NAMES[i % len(NAMES)]} {i}") for i in range(n)]
    import_enrollments(office=office, path=f.siak_file(tmp_path / f"siak-{n}.csv", rows), by=by)
    receive_blanks(office=office, quantity=n, reference="470/5371/2018", by=f.person(office, Role.STOCK_KEEPER))
    build_print_queue(office=office, by=by)
    return list(queue_in_print_order(office))


def export_queue(office) -> bytes:
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    call_command("export_queue", office=office.code, stdout=out)
    out.flush()
    return out.buffer.getvalue()


def test_the_desk_shows_the_queue_before_any_form(kupang, clerk, tmp_path):
    jobs = queue(kupang, clerk, tmp_path, 3)
    html = logged_in(clerk).get("/cetak/").content.decode()
    assert html.index('id="queue"') < html.index(jobs[0].enrollment.nik) < min(html.index('id="batch"'), html.index('id="build"'))
    assert f'id="job-{jobs[0].pk}"' in html


def test_after_a_card_is_marked_the_desk_opens_at_the_next_card_on_its_page(kupang, clerk, tmp_path, window):
    jobs = queue(kupang, clerk, tmp_path, 30)
    client = logged_in(clerk)
    for job in jobs[:26]:  # the first page (25 rows) and one more
        PrintJob.objects.filter(pk=job.pk).update(first_in_line=False)
    # The clerk works from the second page: card 26 is printed out of turn... with a reason, and the next is 27.
    done = client.post(reverse("mark_job_printed", args=[jobs[25].pk]), {"next": "/cetak/?page=2", "out_of_order_reason": "Dipercepat"})
    assert done["Location"] == f"/cetak/?at={jobs[26].pk}#job-{jobs[26].pk}"
    page = client.get(done["Location"])
    assert page.context["table"].page.number == 2  # 27 is now number 26: on page 2
    assert f'id="job-{jobs[26].pk}"' in page.content.decode()
    # The last card of the queue: the desk opens at the one before it.
    last = client.post(reverse("mark_job_printed", args=[jobs[-1].pk]), {"out_of_order_reason": "Dipercepat"})
    assert last["Location"] == f"/cetak/?at={jobs[-2].pk}#job-{jobs[-2].pk}"


def test_a_card_not_among_the_next_ones_is_marked_only_with_a_reason_kept_in_its_history(kupang, clerk, tmp_path, window):
    jobs = queue(kupang, clerk, tmp_path, 6)
    client = logged_in(clerk)
    url = reverse("mark_job_printed", args=[jobs[4].pk])
    asked = client.post(url, {"next": "/cetak/"})
    assert asked.status_code == 200
    html = asked.content.decode()
    assert "Belum giliran kartu ini" in html and "<dd>5</dd>" in html and 'name="out_of_order_reason"' in html
    assert PrintJob.objects.get(pk=jobs[4].pk).state == PrintJob.State.QUEUED
    empty = client.post(url, {"next": "/cetak/", "out_of_order_reason": "  "})
    assert empty.status_code == 409 and "Katakan mengapa kartu ini dicetak sebelum gilirannya." in empty.content.decode()
    assert PrintJob.objects.get(pk=jobs[4].pk).state == PrintJob.State.QUEUED
    done = client.post(url, {"next": "/cetak/", "out_of_order_reason": "Perintah kepala dinas: warga sakit"})
    assert done.status_code == 302
    job = PrintJob.objects.get(pk=jobs[4].pk)
    assert (job.state, job.printed_at_position, job.out_of_order_reason) == (PrintJob.State.PRINTED, 5, "Perintah kepala dinas: warga sakit")
    record = client.get(reverse("enrollment_detail", args=[job.enrollment_id])).content.decode()
    assert "Dicetak di luar urutan cetak (nomor 5 dalam antrean): Perintah kepala dinas: warga sakit" in record
    # A card among the next ones needs no reason, and keeps none.
    client.post(reverse("mark_job_printed", args=[jobs[2].pk]), {"next": "/cetak/"})
    assert PrintJob.objects.get(pk=jobs[2].pk).state == PrintJob.State.PRINTED
    assert PrintJob.objects.get(pk=jobs[2].pk).out_of_order_reason == ""


def test_the_service_itself_refuses_a_card_out_of_turn_for_commands_and_tasks_too(kupang, clerk, tmp_path, window):
    jobs = queue(kupang, clerk, tmp_path, 5)
    with pytest.raises(OutOfOrder) as refused:
        mark_printed(job=jobs[3], by=clerk)
    assert refused.value.position == 4
    assert PrintJob.objects.get(pk=jobs[3].pk).state == PrintJob.State.QUEUED
    assert mark_printed(job=jobs[0], by=clerk).state == PrintJob.State.PRINTED
    assert mark_printed(job=jobs[3], by=clerk).state == PrintJob.State.PRINTED  # now number 3: among the next three


def test_a_batch_by_nik_marks_a_card_out_of_turn_only_with_a_reason(kupang, clerk, tmp_path, window):
    jobs = queue(kupang, clerk, tmp_path, 8)
    niks = [jobs[0].enrollment.nik, jobs[6].enrollment.nik]
    outcome = mark_printed_by_nik(office=kupang, niks=niks, by=clerk)
    assert outcome.done == [niks[0]] and outcome.out_of_order == [(niks[1], 6)]  # number 7, then 6 once the first was printed
    client = logged_in(clerk)
    token = client.get("/cetak/").context["batch_form"]["listed_at"].value()
    page = client.post(reverse("print_batch"), {"niks": f"{jobs[1].enrollment.nik}\n{niks[1]}", "action": "printed", "listed_at": token})
    assert page.status_code == 409
    assert 'name="out_of_order_reason"' in page.content.decode()
    form = page.context["batch_form"]
    assert form["niks"].value() == niks[1]  # the list comes back with the card still to decide, the other one is done
    assert f"{niks[1]} (nomor 5)" in " ".join(form.errors["out_of_order_reason"])
    assert PrintJob.objects.get(pk=jobs[1].pk).state == PrintJob.State.PRINTED
    assert PrintJob.objects.get(pk=jobs[6].pk).state == PrintJob.State.QUEUED
    token = form["listed_at"].value()
    client.post(reverse("print_batch"), {"niks": niks[1], "action": "printed", "listed_at": token, "out_of_order_reason": "Kartu tercetak ikut"})
    job = PrintJob.objects.get(pk=jobs[6].pk)
    assert (job.state, job.printed_at_position, job.out_of_order_reason) == (PrintJob.State.PRINTED, 5, "Kartu tercetak ikut")


def test_a_scanned_nik_marks_that_card_and_the_scan_field_waits_for_the_next(kupang, clerk, tmp_path, window):
    jobs = queue(kupang, clerk, tmp_path, 5)
    client = logged_in(clerk)
    assert 'action="/cetak/pindai/"' in client.get("/cetak/").content.decode()
    done = client.post(reverse("scan_printed"), {"nik": jobs[1].enrollment.nik})
    assert done["Location"] == f"/cetak/?at={jobs[2].pk}&pindai=1#job-{jobs[2].pk}"
    assert PrintJob.objects.get(pk=jobs[1].pk).state == PrintJob.State.PRINTED
    again = client.post(reverse("scan_printed"), {"nik": jobs[1].enrollment.nik}, follow=True)
    assert "Sudah tercetak" in again.content.decode()
    wrong = client.post(reverse("scan_printed"), {"nik": "12345"}, follow=True)
    assert "NIK harus 16 digit" in wrong.content.decode()
    far = client.post(reverse("scan_printed"), {"nik": jobs[4].enrollment.nik})
    assert far.status_code == 200 and "Belum giliran kartu ini" in far.content.decode()
    assert PrintJob.objects.get(pk=jobs[4].pk).state == PrintJob.State.QUEUED


def test_the_work_list_downloads_are_the_list_export_queue_prints(kupang, clerk, tmp_path):
    queue(kupang, clerk, tmp_path, 12)
    client = logged_in(clerk)
    csv = client.get("/cetak/daftar/?format=csv")
    assert csv["Content-Type"] == "text/csv; charset=utf-8" and "attachment" in csv["Content-Disposition"]
    body = b"".join(csv.streaming_content)
    assert body == export_queue(kupang)
    assert b'"Maria ""Ona"" Bria 1"' in body and b"'=HYPERLINK" in body
    xlsx = client.get("/cetak/daftar/?format=xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("No.", "NIK", "Nama", "Tanggal rekam")
    expected = [line.split(",")[:2] for line in export_queue(kupang).decode().splitlines()[1:]]
    assert [(str(position), nik) for position, nik, _name, _day in rows[1:]] == [tuple(line) for line in expected]
    assert rows[4][2] == '=HYPERLINK("x") 3' and rows[1][3].date() == date(2018, 1, 1)


def test_the_printable_work_list_has_every_card_in_print_order_and_links_to_the_downloads(kupang, clerk, head, tmp_path):
    jobs = queue(kupang, clerk, tmp_path, 4)
    for user in (clerk, head):
        html = logged_in(user).get("/cetak/daftar/").content.decode()
        positions = [html.index(job.enrollment.nik) for job in jobs]
        assert positions == sorted(positions)
        assert "<td>01-01-2018</td>" in html and "4 kartu dalam antrean" in html
        assert 'href="?format=csv"' in html and 'href="?format=xlsx"' in html
        assert "&lt;" not in html or "=HYPERLINK(&quot;x&quot;)" in html


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_download_cancelled_half_way_stops_copy_and_the_next_request_works(tmp_path):
    """The CSV streams from COPY through a pipe: a reader that goes away stops it, and the connection is never reused mid-COPY."""
    from django.db import connection

    from common import bulk
    from printing.selectors import QUEUE_EXPORT_SQL

    office = f.office("5371")
    clerk = f.user(office)
    queue(office, clerk, tmp_path, 3000)  # about 150 kB: more than the pipe holds, so COPY is still writing
    chunks = bulk.stream_out(QUEUE_EXPORT_SQL, [office.pk])
    assert next(chunks).startswith(b"position,nik,nama,tanggal_rekam\n")
    chunks.close()
    assert PrintJob.objects.filter(office=office, state="queued").count() == 3000
    assert b"".join(bulk.stream_out(QUEUE_EXPORT_SQL, [office.pk])) == export_queue(office)
    assert connection.vendor == "postgresql"
