"""The Suket as a printable PDF: letterhead, holder data, validity, number and a QR code to its public check page."""
import segno
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from common.pdf import letterhead, render_pdf

from .models import TemporaryCertificate


def check_url(suket: TemporaryCertificate) -> str:
    """Where anyone (a bank, a school) checks that a Suket is genuine: the public page of its number."""
    return settings.PUBLIC_BASE_URL + reverse("public_suket_check", args=[suket.number])


def qr_svg(data: str) -> str:
    """A QR code as inline SVG, one module a millimetre (sized again by the print CSS)."""
    return segno.make(data, error="m", micro=False).svg_inline(scale=1, border=4, unit="mm", dark="#000", light="#fff")


def suket_context(suket: TemporaryCertificate, *, printed_by) -> dict:
    url = check_url(suket)
    return {
        "suket": suket, "enrollment": suket.enrollment, "letterhead": letterhead(suket.office),
        "check_url": url, "qr_svg": mark_safe(qr_svg(url)),  # segno's markup is path data only: nothing typed by a user
        "printed_at": timezone.now(), "printed_by": printed_by.get_username(),
    }


def suket_pdf(suket: TemporaryCertificate, *, printed_by) -> bytes:
    """The Suket as issued: printing it again shows the same number, dates and QR code."""
    return render_pdf("documents/suket.html", suket_context(suket, printed_by=printed_by), office=suket.office)
