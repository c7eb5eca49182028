"""The pickup receipt (tanda terima) as a printable PDF: the card, who collected it and for whom, the clerk, the time."""
from common.pdf import letterhead, render_pdf

from .models import Collector, PrintJob


def _person(user) -> str:
    return user.get_full_name() or user.get_username()


def pickup_receipt_pdf(job: PrintJob) -> bytes:
    """Rendered from the job alone: printed again, the receipt says the same."""
    enrollment = job.enrollment
    context = {
        "job": job, "enrollment": enrollment, "letterhead": letterhead(job.office), "office": job.office,
        "clerk": _person(job.handed_over_by) if job.handed_over_by_id else "",
        "family": job.collected_as == Collector.FAMILY,
    }
    return render_pdf("documents/pickup_receipt.html", context, office=job.office)
