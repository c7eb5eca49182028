"""The error pages (400, 403, 404, 500 and a refused form's CSRF check): the office's layout and language, and a way back.

Each is rendered without the request's context processors, so none of them
asks the database for the session's user: a page that failed because the
database is away still answers (and a database outage answers 503 with
its own sentence, config/outage.py). The page's language is the one the
request was served in (people/language.py).
"""
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.utils.translation import gettext as _

from common.web import safe_next
from config.outage import outage_response


def error_page(request, status: int, title: str, sentence: str, *, detail: str = "") -> HttpResponse:
    html = loader.get_template("errors/page.html").render({
        "title": title, "sentence": sentence, "detail": detail, "back": _back_address(request)})
    response = HttpResponse(html, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _back_address(request) -> str:
    """The page the user came from, when it is one of ours."""
    if request is None:
        return ""
    return safe_next(request, "", target=request.META.get("HTTP_REFERER", ""))


def bad_request(request, exception=None):
    return error_page(request, 400, _("The request could not be read"),
                      _("The page could not read what was sent. Go back and try again."))


def permission_denied(request, exception=None):
    reason = str(exception) if exception is not None and exception.args else ""
    return error_page(request, 403, _("Not for your account"), _("Your account may not open this page or take this action."),
                      detail=reason)


def page_not_found(request, exception=None):
    return error_page(request, 404, _("Page not found"),
                      _("There is no such page, or the record is not one of your office's."))


def server_error(request):
    if isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        return outage_response()
    return error_page(request, 500, _("Something went wrong"),
                      _("The server could not finish this page. What you sent may not have been saved: check, then try again. "
                        "If it happens again, tell the head of your office."))


def csrf_failure(request, reason=""):
    return error_page(request, 403, _("This form has expired"),
                      _("The form was open too long or from before you logged in again, so it was not sent. "
                        "Go back, reload the page and send it again."))
