"""Printable documents: the Suket, the request letter, the monthly stock report and the berita acara of spoiled blanks.

Each is checked as a person reads it: a PDF of so many pages whose text
(pdftotext) holds the number, the data and the figures expected; and its first
page, rendered to PNG, is not blank. `WRITE_DOC_IMAGES=1` writes those PNGs to
docs/images/ for the README.
"""
import os
import shutil
import subprocess
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace
from unittest.mock import patch
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse

from backlog.desks import mark_printed, mark_spoiled, record_pickup
from backlog.ledger import approve_stock_count, receive_blanks, record_stock_count, spoil_blanks
from backlog.queue import build_print_queue
from backlog.requests import draft_blank_request
from backlog.suket import issue_suket
from common.pdf import _offline_fetcher, terbilang
from inventory.models import BlankStock
from people.roles import Role, system_user
from printing.models import PrintJob
from registry.documents import check_url
from registry.models import Enrollment, EnrollmentCounts
from tests import factories as f

pytestmark = pytest.mark.django_db
KUPANG = ZoneInfo("Asia/Makassar")  # WITA, Kota Kupang's office time
IMAGES = Path(__file__).resolve().parent.parent / "docs" / "images"
needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext") or not shutil.which("pdfinfo"),
                                   reason="needs pdftotext and pdfinfo (poppler-utils)")


@contextmanager
def at(year, month, day, hour=10, minute=0):
    """Act as if it were this moment in Kupang's office time zone (WITA)."""
    moment = datetime(year, month, day, hour, minute, tzinfo=KUPANG)
    with patch("django.utils.timezone.now", return_value=moment):
        yield


def on_week_days(first: date, count: int):
    """`count` working days from `first` on."""
    day, days = first, []
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day = date.fromordinal(day.toordinal() + 1)
    return days


def queued(office):
    return list(PrintJob.objects.filter(office=office, state=PrintJob.State.QUEUED).order_by("enrollment__enrolled_on", "pk"))


@pytest.fixture
def story(tmp_path):
    """Kota Kupang, May to July 2018 (scaled down): blanks fetched, some ruined on arrival, printing in June,
    two blanks lost in the printer, a count that found one more, a resident given a Suket, and the head's new request."""
    kupang = f.office("5371")
    kupang.address = "Jl. Timor Raya No. 1, Oebobo, Kupang, Nusa Tenggara Timur"
    kupang.save()
    clerk = f.user(kupang, Role.CLERK, username="petugas.5371")
    keeper = f.user(kupang, Role.STOCK_KEEPER, username="bendahara.5371")
    head = f.user(kupang, Role.HEAD, username="kepala.5371")
    head.first_name, head.last_name = "Yohanes", "Bire"
    head.save()
    enrolled = [date(2017, 11, 1 + n % 28) for n in range(30)] + [date(2018, 2, 1 + n % 28) for n in range(50)]
    f.enrollments(kupang, clerk, tmp_path, enrolled, name="Yakobus Tefa")
    f.enrollments(kupang, clerk, tmp_path, [date(2018, 4, 5)], name="Maria Goreti Bunga", sex="P", birth=date(1994, 3, 12))
    with at(2018, 5, 8):
        receive_blanks(office=kupang, quantity=60, reference="470/0412/DKPS/IV/2018", by=keeper, delivery_note="SJ-0815/V/2018",
                       carried_by="Sekretaris dan bendahara barang")
        spoil_blanks(office=kupang, quantity=3, reference="BA/07/V/2018", reason="Kemasan basah saat pengiriman, kartu melengkung", by=keeper)
        build_print_queue(office=kupang, by=system_user())
    for n, day in enumerate(on_week_days(date(2018, 6, 4), 20)):
        with at(day.year, day.month, day.day, 9 + n % 6):
            if n in (6, 13):
                mark_spoiled(job=queued(kupang)[0], by=clerk, reason="Kartu tertekuk di printer")
            for job in queued(kupang)[: 1 + n % 3]:
                mark_printed(job=job, by=clerk)
    with at(2018, 6, 29, 14):
        count = record_stock_count(office=kupang, counted=BlankStock.objects.get(office=kupang).on_hand + 1, by=keeper,
                                   note="Lemari blanko, 29 Juni 2018")
        approve_stock_count(count=count, by=head)
    with at(2018, 7, 3, 8):
        resident = Enrollment.objects.get(office=kupang, name="Maria Goreti Bunga")
        suket = issue_suket(enrollment=resident, by=clerk)
        request = draft_blank_request(office=kupang, quantity=16000, reference="470/0688/DKPS/VII/2018", by=head)
    return SimpleNamespace(office=kupang, clerk=clerk, keeper=keeper, head=head, suket=suket, resident=resident, request=request)


def get(client, user, url, **params):
    client.force_login(user)
    with at(2018, 7, 3, 11):
        return client.get(url, params)


def pdf_of(response):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline; filename=")
    assert response.content.startswith(b"%PDF-")
    return response.content


def read_pdf(pdf: bytes, tmp_path) -> SimpleNamespace:
    """What poppler reads in the PDF: its pages, its text with spaces made single, and each line of its layout."""
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    layout = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return SimpleNamespace(pages=pages, text=" ".join(layout.split()), lines=[" ".join(line.split()) for line in layout.splitlines()])


def line_with(document, *parts) -> str:
    """The one line of the layout that holds all these parts, as a table row reads."""
    found = [line for line in document.lines if all(part in line for part in parts)]
    assert len(found) == 1, (parts, found)
    return found[0]


def suket_pdf(client, story, user=None):
    return get(client, user or story.clerk, reverse("suket_pdf", args=[story.suket.pk]))


def request_letter(client, story):
    return get(client, story.head, reverse("request_letter_pdf", args=[story.request.pk]))


def monthly_report(client, story):
    return get(client, story.keeper, reverse("stock_report_monthly"), since="2018-01", until="2018-07", format="pdf")


def spoilage_minutes(client, story):
    return get(client, story.keeper, reverse("spoilage_minutes"), since="2018-05-01", until="2018-06-30", format="pdf")


KK_TEFA = "5371012005170007"


def collected(story):
    """The first printed card (Yakobus Tefa's), collected by his sister Maria on the same family card at 10.30 WITA on 3 July."""
    job = PrintJob.objects.filter(office=story.office, state=PrintJob.State.PRINTED).select_related("enrollment").order_by("pk").first()
    Enrollment.objects.filter(pk__in=[job.enrollment_id, story.resident.pk]).update(family_card=KK_TEFA)
    story.clerk.first_name, story.clerk.last_name = "Agustina", "Seran"
    story.clerk.save()
    with at(2018, 7, 3, 10, 30):
        return record_pickup(job=job, by=story.clerk, collected_as="family", name="Maria Goreti Bunga", nik=story.resident.nik)


def pickup_receipt(client, story):
    job = collected(story)
    return get(client, story.clerk, reverse("pickup_receipt", args=[job.pk]))


DOCUMENTS = {"suket": suket_pdf, "request-letter": request_letter, "stock-report": monthly_report, "spoilage-minutes": spoilage_minutes,
             "pickup-receipt": pickup_receipt}


# The pickup receipt (tanda terima)

@needs_poppler
def test_the_receipt_names_the_card_the_collector_the_clerk_and_the_office_time(client, story, tmp_path):
    document = read_pdf(pdf_of(pickup_receipt(client, story)), tmp_path)
    job = PrintJob.objects.get(collected_at__isnull=False)
    assert document.pages == 1
    text = document.text
    assert "PEMERINTAH KOTA KUPANG" in text and "TANDA TERIMA KTP-EL" in text
    assert "Diserahkan pada 3 Juli 2018 10:30 WITA" in text  # 02.30 UTC, in the office's clock
    assert line_with(document, "NIK :", job.enrollment.nik) and line_with(document, "Nama", "Yakobus Tefa")
    assert line_with(document, "Kartu keluarga (KK)", KK_TEFA)
    assert line_with(document, "Nama", "Maria Goreti Bunga") and line_with(document, "NIK", story.resident.nik)
    assert line_with(document, "Sebagai", "Anggota keluarga dalam Kartu Keluarga (KK) yang sama")
    assert f"NIK pengambil tercatat dalam Kartu Keluarga pemilik kartu (KK {KK_TEFA})" in text
    assert line_with(document, "Agustina Seran", "Maria Goreti Bunga")  # who handed it over, who received it: the two signatures


# The Suket

@needs_poppler
def test_the_clerk_prints_the_suket_with_the_holder_s_data_its_validity_and_its_check_address(client, story, tmp_path):
    document = read_pdf(pdf_of(suket_pdf(client, story)), tmp_path)
    assert document.pages == 1
    text, resident = document.text, story.resident
    assert "PEMERINTAH KOTA KUPANG" in text and "DINAS KEPENDUDUKAN DAN PENCATATAN SIPIL" in text and "Jl. Timor Raya No. 1" in text
    assert "SURAT KETERANGAN PENGGANTI KTP-EL" in text and f"Nomor: {story.suket.number}" in text
    assert line_with(document, "NIK", resident.nik) and line_with(document, "Nama", "Maria Goreti Bunga")
    assert line_with(document, "Jenis kelamin", "Perempuan") and line_with(document, "Tempat dan tanggal lahir", "Kupang, 12 Maret 1994")
    assert "perekaman KTP-el pada tanggal 5 April 2018" in text and "belum dicetak" in text
    assert "sejak 3 Juli 2018 sampai dengan 3 Januari 2019" in text  # six months
    assert check_url(story.suket).split("://", 1)[1] in text.replace(" ", "")


@needs_poppler
def test_printing_the_suket_again_shows_the_same_number(client, story, tmp_path):
    first = read_pdf(pdf_of(suket_pdf(client, story)), tmp_path).text
    again = read_pdf(pdf_of(suket_pdf(client, story, user=f.user(story.office, Role.HEAD))), tmp_path).text
    assert f"Nomor: {story.suket.number}" in first and f"Nomor: {story.suket.number}" in again


def test_the_qr_code_encodes_the_public_check_page_of_the_suket_number(story):
    assert check_url(story.suket) == f"{settings.PUBLIC_BASE_URL}/publik/suket/{story.suket.number}/"
    assert reverse("public_suket_check", args=[story.suket.number]) == f"/publik/suket/{story.suket.number}/"


def test_the_suket_html_embeds_its_qr_code_inline_and_links_to_nothing(story):
    from common.pdf import render_html
    from registry.documents import qr_svg, suket_context

    html = render_html("documents/suket.html", suket_context(story.suket, printed_by=story.clerk), office=story.suket.office)
    assert qr_svg(check_url(story.suket)) in html
    assert "<img" not in html and "<link" not in html and 'src="' not in html and "@import" not in html


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="needs pdftoppm (poppler-utils) to render a page")
def test_the_printed_qr_code_is_the_symbol_of_the_check_address(client, story, tmp_path):
    """No QR decoder here: read the printed symbol module by module and compare it with the one segno makes for the URL."""
    import segno
    from PIL import Image

    (tmp_path / "suket.pdf").write_bytes(pdf_of(suket_pdf(client, story)))
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", "-singlefile", "-gray", str(tmp_path / "suket.pdf"),
                    str(tmp_path / "suket")], check=True)
    expected = segno.make(check_url(story.suket), error="m", micro=False)
    with Image.open(tmp_path / "suket.png") as picture:
        page = picture.convert("L")
    width, height = page.size
    dark = lambda x, y: page.getpixel((x, y)) < 128  # noqa: E731
    modules = len(expected.matrix)

    def runs(y):
        """Dark runs of the row, (start, length), in the right third of the page where the symbol is."""
        found, start = [], None
        for x in range(width * 2 // 3, width):
            if dark(x, y) and start is None:
                start = x
            elif not dark(x, y) and start is not None:
                found.append((start, x - start))
                start = None
        return found

    # The symbol's first row: the top edges of two finder patterns, seven modules long each, and nothing longer.
    for top in range(height // 2):
        edges = [run for run in runs(top) if run[1] >= 30]
        if len(edges) >= 2 and abs(edges[0][1] - edges[-1][1]) <= 2 and edges[0][1] < width // 10:
            break
    left, size = edges[0][0], edges[-1][0] + edges[-1][1] - edges[0][0]
    step = size / modules
    printed = [[dark(int(left + (col + 0.5) * step), int(top + (line + 0.5) * step)) for col in range(modules)] for line in range(modules)]
    assert printed == [[bool(bit) for bit in line] for line in expected.matrix]


def test_an_expired_suket_is_not_printed_again(client, story):
    client.force_login(story.clerk)
    with at(2019, 1, 4):
        response = client.get(reverse("suket_pdf", args=[story.suket.pk]), follow=True)
    assert response.redirect_chain == [(reverse("suket_detail", args=[story.suket.pk]), 302)]
    assert f"Suket {story.suket.number} sudah tidak berlaku dan tidak dicetak ulang" in response.content.decode()


def test_the_suket_page_links_to_the_pdf_for_the_desk_but_not_for_the_stock_keeper(client, story):
    link = reverse("suket_pdf", args=[story.suket.pk])
    assert link in get(client, story.clerk, reverse("suket_detail", args=[story.suket.pk])).content.decode()
    assert link not in get(client, story.keeper, reverse("suket_detail", args=[story.suket.pk])).content.decode()


# The request letter

@needs_poppler
def test_the_head_prints_the_request_letter_with_the_figures_behind_it(client, story, tmp_path):
    document = read_pdf(pdf_of(request_letter(client, story)), tmp_path)
    assert document.pages == 1
    text = document.text
    stock = BlankStock.objects.get(office=story.office)
    counts = EnrollmentCounts.objects.get(office=story.office)
    assert line_with(document, "Nomor", "470/0688/DKPS/VII/2018") and line_with(document, "Kupang, 3 Juli 2018")
    assert "Kepada Yth. Direktur Jenderal Kependudukan dan Pencatatan Sipil Kementerian Dalam Negeri di Jakarta" in text
    assert "16.000 (enam belas ribu) keping blanko" in text
    assert counts.recorded > 0 and stock.reserved > 0
    assert line_with(document, "Perekaman yang menunggu kartu (tunggakan)").endswith(f" {counts.recorded + counts.on_hold}")
    assert line_with(document, "Blanko di gudang").endswith(f" {stock.on_hand}")
    assert line_with(document, "dicadangkan untuk kartu yang sudah dalam antrean cetak").endswith(f" {stock.reserved}")
    assert line_with(document, "Blanko tersedia untuk kartu baru").endswith(f" {stock.available}")
    # June 2018: printing 1, 2, 3, 1, 2, 3... cards a working day, in four complete weeks; 39 over 30 working days is 6.5 a week.
    assert line_with(document, "28/5–3/6", "4/6–10/6", "25/6–1/7", "Minggu ini")
    assert line_with(document, "0 9 10 11 9 0")
    assert line_with(document, "Kartu dicetak per minggu (rata-rata)").endswith(" 6,5")
    assert "Yohanes Bire" in text and "Tembusan: 1. Wali Kota Kupang 2. Arsip" in text


@needs_poppler
def test_the_letter_shows_the_figures_of_the_day_it_is_printed(client, story, tmp_path):
    before = read_pdf(pdf_of(request_letter(client, story)), tmp_path)
    on_hand = BlankStock.objects.get(office=story.office).on_hand
    with at(2018, 7, 4, 9):
        mark_printed(job=queued(story.office)[0], by=story.clerk)
    client.force_login(story.head)
    with at(2018, 7, 4, 10):
        after = read_pdf(pdf_of(client.get(reverse("request_letter_pdf", args=[story.request.pk]))), tmp_path)
    assert line_with(before, "Blanko di gudang").endswith(f" {on_hand}")
    assert line_with(after, "Blanko di gudang").endswith(f" {on_hand - 1}")
    assert line_with(after, "Kupang, 4 Juli 2018")  # a draft is dated the day it is printed


# The monthly stock report

@needs_poppler
def test_the_monthly_report_pdf_adds_up_month_by_month(client, story, tmp_path):
    document = read_pdf(pdf_of(monthly_report(client, story)), tmp_path)
    assert document.pages == 1
    assert "LAPORAN BULANAN STOK BLANKO KTP-EL" in document.text and "Periode: Januari 2018 sampai dengan Juli 2018" in document.text
    assert BlankStock.objects.get(office=story.office).on_hand == 17
    assert "Januari 2018 0 0 0 0 0 0" in document.lines
    assert "April 2018 0 0 0 0 0 0" in document.lines
    assert "Mei 2018 0 60 0 3 0 57" in document.lines
    assert "Juni 2018 57 0 39 2 +1 17" in document.lines
    assert "Juli 2018 17 0 0 0 0 17" in document.lines
    assert "Jumlah 0 60 39 5 +1 17" in document.lines


# The berita acara of spoiled blanks

@needs_poppler
def test_the_berita_acara_lists_each_spoiled_blank_with_its_reason_and_no_resident(client, story, tmp_path):
    document = read_pdf(pdf_of(spoilage_minutes(client, story)), tmp_path)
    assert document.pages == 1
    text = document.text
    assert "BERITA ACARA BLANKO KTP-EL RUSAK" in text and "Pada hari ini, Selasa tanggal 3 Juli 2018" in text
    assert "dalam periode 1 Mei 2018 sampai dengan 30 Juni 2018" in text
    assert line_with(document, "1 08-05-2018 di gudang BA/07/V/2018 Kemasan basah", "bendahara.5371 3")
    assert "nomor berita acara" in text
    spoiled_jobs = list(PrintJob.objects.filter(office=story.office, state=PrintJob.State.SPOILED).order_by("pk"))
    assert len(spoiled_jobs) == 2
    for number, job in enumerate(spoiled_jobs, start=2):
        day = f"{job.printed_at.astimezone(KUPANG):%d-%m-%Y}"
        assert line_with(document, f"{number} {day} di printer pekerjaan cetak {job.pk} Kartu tertekuk", "petugas.5371 1")
    assert line_with(document, "Jumlah 5")
    assert "Seluruhnya 5 (lima) keping blanko: 2 rusak di printer dan 3 ditemukan rusak di gudang" in text
    for person in ("Bendahara Barang", "Saksi I", "Saksi II", "Kepala Dinas Kependudukan dan Pencatatan"):
        assert person in text
    assert "Kupang, 3 Juli 2018" in text
    for resident in Enrollment.objects.filter(office=story.office):
        assert resident.nik not in text
    assert "Yakobus Tefa" not in text and "Maria Goreti Bunga" not in text


def test_the_berita_acara_page_lists_the_period_and_links_to_the_pdf(client, story):
    response = get(client, story.head, reverse("spoilage_minutes"), since="2018-05-01", until="2018-06-30")
    assert response.status_code == 200
    html = response.content.decode()
    assert "BA/07/V/2018" in html and "?since=2018-05-01&amp;until=2018-06-30&amp;format=pdf" in html
    assert response.context["total"] == 5


@pytest.mark.parametrize("since, until, field", [("2018-06-30", "2018-05-01", "until"), ("2018-01-01", "2099-01-01", "until"),
                                                  ("2016-01-01", "2018-06-30", "since")])
def test_a_wrong_berita_acara_period_is_refused_next_to_its_field(client, story, since, until, field):
    response = get(client, story.keeper, reverse("spoilage_minutes"), since=since, until=until, format="pdf")
    assert response.status_code == 400
    assert list(response.context["form"].errors) == [field]


# Who may print what

def test_a_clerk_of_another_office_gets_404_for_this_office_s_suket_and_letter(client, story):
    tangerang = f.office("3603")
    outsider_clerk, outsider_head = f.user(tangerang, Role.CLERK), f.user(tangerang, Role.HEAD)
    assert get(client, outsider_clerk, reverse("suket_pdf", args=[story.suket.pk])).status_code == 404
    assert get(client, outsider_head, reverse("request_letter_pdf", args=[story.request.pk])).status_code == 404


def test_each_document_is_for_its_roles(client, story):
    suket, letter = reverse("suket_pdf", args=[story.suket.pk]), reverse("request_letter_pdf", args=[story.request.pk])
    report, minutes = reverse("stock_report_monthly"), reverse("spoilage_minutes")
    expected = {
        story.clerk: {suket: 200, letter: 403, report: 403, minutes: 403},
        story.keeper: {suket: 403, letter: 403, report: 200, minutes: 200},
        story.head: {suket: 200, letter: 200, report: 200, minutes: 200},
    }
    for user, pages in expected.items():
        assert {url: get(client, user, url).status_code for url in pages} == pages, user.username


def test_the_request_page_links_to_the_letter_for_the_head_only(client, story):
    link = reverse("request_letter_pdf", args=[story.request.pk])
    assert link in get(client, story.head, reverse("request_detail", args=[story.request.pk])).content.decode()
    assert link not in get(client, story.clerk, reverse("request_detail", args=[story.request.pk])).content.decode()


def test_the_stock_desk_links_to_the_reports_for_the_keeper_and_the_head(client, story):
    for user, shown in ((story.keeper, True), (story.head, True), (story.clerk, False)):
        html = get(client, user, reverse("stock")).content.decode()
        assert (reverse("stock_report_monthly") in html and reverse("spoilage_minutes") in html) is shown, user.username


# Offline, and legible

@pytest.mark.parametrize("url", ["http://example.com/logo.png", "https://fonts.example.com/a.woff2", "file:///etc/passwd"])
def test_documents_fetch_nothing_from_outside(url):
    with pytest.raises(ValueError):
        _offline_fetcher()(url)


@pytest.mark.parametrize("number, words", [(0, "nol"), (11, "sebelas"), (16, "enam belas"), (100, "seratus"), (1600, "seribu enam ratus"),
                                           (16000, "enam belas ribu"), (200000, "dua ratus ribu"), (155000, "seratus lima puluh lima ribu"),
                                           (1_000_000, "satu juta"), (2_500_321, "dua juta lima ratus ribu tiga ratus dua puluh satu")])
def test_quantities_are_written_out_in_indonesian(number, words):
    assert terbilang(number) == words


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="needs pdftoppm (poppler-utils) to render a page")
@pytest.mark.parametrize("name", DOCUMENTS)
def test_the_first_page_renders_to_a_picture_that_is_not_blank(client, story, tmp_path, name):
    from PIL import Image

    pdf = tmp_path / f"{name}.pdf"
    pdf.write_bytes(pdf_of(DOCUMENTS[name](client, story)))
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(tmp_path / name)], check=True)
    with Image.open(tmp_path / f"{name}.png") as picture:
        grey = picture.convert("L")
        width, height = grey.size
        assert abs(width - 496) <= 2 and abs(height - 702) <= 2  # A4 portrait at 60 dpi
        ink = sum(grey.histogram()[:128]) / (grey.size[0] * grey.size[1])
        assert 0.01 < ink < 0.5, ink  # text on white paper: neither empty nor a black page
    if os.environ.get("WRITE_DOC_IMAGES") == "1":
        # The README's pictures: the same page at a resolution that can be read on screen.
        IMAGES.mkdir(parents=True, exist_ok=True)
        subprocess.run(["pdftoppm", "-png", "-r", "100", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(IMAGES / name)], check=True)
