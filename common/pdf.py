"""Printable documents: an HTML template rendered to an A4 PDF on the server, offline.

Every document (Suket, request letter, stock report, berita acara) goes
through `render_pdf`. WeasyPrint gets the HTML as a string, the print CSS
read from disk and a URL fetcher that only accepts `data:` URIs, so a
document never waits on the network and never leaks a reader's request.
Fonts are the system's (fontconfig); no @font-face is fetched.
"""
import re
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

CSS_PATH = Path(settings.BASE_DIR) / "static" / "css" / "documents.css"


@lru_cache(maxsize=1)
def _stylesheet():
    from weasyprint import CSS

    return CSS(string=CSS_PATH.read_text(encoding="utf-8"), url_fetcher=_offline_fetcher())


@lru_cache(maxsize=1)
def _offline_fetcher():
    from weasyprint.urls import URLFetcher

    # Only inline data (QR codes as data URIs, if any); http, https and file are refused.
    return URLFetcher(allowed_protocols=("data",))


def render_html(template_name: str, context: dict, *, office) -> str:
    """The document's HTML, always in the office language (these are official Indonesian documents) and its clock."""
    with translation.override(settings.LANGUAGE_CODE), timezone.override(office.zone):
        return render_to_string(template_name, context)


def render_pdf(template_name: str, context: dict, *, office) -> bytes:
    """Render a document of `office` to PDF bytes. Slow: call it outside any transaction."""
    from weasyprint import HTML

    html = render_html(template_name, context, office=office)
    return HTML(string=html, base_url=str(CSS_PATH.parent), url_fetcher=_offline_fetcher()).write_pdf(
        stylesheets=[_stylesheet()])


def safe_filename(text: str) -> str:
    """Letter numbers such as 470/123/DKPS/2018 made safe for a download's name."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "dokumen"


def pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    """Shown in the browser's PDF viewer (inline), saved under a readable name."""
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{safe_filename(filename)}"'
    return response


def region_of(office) -> str:
    """'Kota Kupang' -> 'Kupang': the place name a letter is dated from."""
    for prefix in ("Kota ", "Kabupaten ", "Kab. "):
        if office.name.startswith(prefix):
            return office.name[len(prefix):]
    return office.name


def regional_head_title(office) -> str:
    """The head of the regency or city, to whom copies of a letter go (Wali Kota / Bupati)."""
    if office.name.startswith("Kota "):
        return _("Mayor of %(region)s") % {"region": region_of(office)}
    return _("Regent of %(region)s") % {"region": region_of(office)}


def letterhead(office) -> dict:
    """The letterhead lines (kop surat) of the office, from its name and address."""
    return {
        "government": _("Government of %(region)s") % {"region": office.name},
        "office": _("Department of Population and Civil Registration"),
        "address": " ".join(office.address.split()),
        "place": region_of(office),
    }


UNITS = ["", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan", "sepuluh", "sebelas"]


def terbilang(number: int) -> str:
    """A number in Indonesian words, as a letter writes a quantity after its figure: 16000 -> 'enam belas ribu'."""
    if number < 0:
        return "minus " + terbilang(-number)
    if number < 12:
        return UNITS[number] if number else "nol"
    if number < 20:
        return f"{UNITS[number - 10]} belas"
    if number < 100:
        tens, rest = divmod(number, 10)
        return f"{UNITS[tens]} puluh" + (f" {UNITS[rest]}" if rest else "")
    if number < 200:
        return "seratus" + (f" {terbilang(number - 100)}" if number > 100 else "")
    if number < 1000:
        hundreds, rest = divmod(number, 100)
        return f"{UNITS[hundreds]} ratus" + (f" {terbilang(rest)}" if rest else "")
    if number < 2000:
        return "seribu" + (f" {terbilang(number - 1000)}" if number > 1000 else "")
    for size, word in ((10**12, "triliun"), (10**9, "miliar"), (10**6, "juta"), (10**3, "ribu")):
        if number >= size:
            high, rest = divmod(number, size)
            return f"{terbilang(high)} {word}" + (f" {terbilang(rest)}" if rest else "")
    raise AssertionError(number)
