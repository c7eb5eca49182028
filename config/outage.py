"""When the database cannot be reached: every page answers 503 with one sentence, not a stack of errors.

A view's exception (the session and the user are read lazily, in the view)
is answered by the middleware, in every mode; one raised by a middleware
reaches the 500 handler (config/errors.py), which tells the outage apart the
same way. The answer is rendered in the user's language without touching
the database again.
"""
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.utils.translation import gettext as _

RETRY_AFTER_SECONDS = 60


class DatabaseOutageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, (OperationalError, InterfaceError)):
            return outage_response()
        return None


def outage_response() -> HttpResponse:
    # Rendered without the request: context processors would ask the database for the user.
    html = loader.get_template("errors/page.html").render({
        "title": _("Not available just now"),
        "sentence": _("The office's database cannot be reached just now. Nothing you sent was lost or half-saved; "
                      "try again in a minute."),
    })
    response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
