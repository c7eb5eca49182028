"""When the database cannot be reached: every page answers 503 with one sentence, not a stack of errors.

Django turns an exception anywhere in a request (a view, the session, the
login check) into its 500 handler; this handler tells a database outage
apart and says so in the user's language, without touching the database
again. Everything else stays Django's own server error.
"""
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views.defaults import server_error as django_server_error

RETRY_AFTER_SECONDS = 60


def server_error(request):
    error = sys.exc_info()[1]
    if not isinstance(error, (OperationalError, InterfaceError)):
        return django_server_error(request)
    # Rendered without the request: context processors would ask the database for the user.
    html = loader.get_template("outage.html").render({
        "sentence": _("The office's database cannot be reached just now. Nothing you sent was lost or half-saved; "
                      "try again in a minute."),
    })
    response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
