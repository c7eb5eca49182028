"""The language of every page: Bahasa Indonesia, whatever the browser asks for; English only when chosen.

An office PC set to English still gets the office's language: the
browser's Accept-Language is never read. The language switch saves the
choice on the user (`User.language`), so it follows them to any
computer, and in a cookie, so the login page and the residents' pages
keep it too. With the database out of reach the page is Indonesian (or
the cookie's choice), never an error of its own.
"""
from django.conf import settings
from django.db import DatabaseError
from django.http import HttpResponseRedirect
from django.utils import translation
from django.views.decorators.http import require_POST

from common.web import safe_next

LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}


def chosen_language(request) -> str:
    """The user's saved language, else the cookie's, else the office default (LANGUAGE_CODE)."""
    try:
        saved = getattr(request.user, "language", "") if request.user.is_authenticated else ""
    except DatabaseError:
        saved = ""
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    for code in (saved, cookie):
        if code in LANGUAGE_CODES:
            return code
    return settings.LANGUAGE_CODE


class OfficeLanguageMiddleware:
    """Activates `chosen_language` for the request (in place of Django's LocaleMiddleware); after AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = chosen_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        # The page differs by the cookie (and the session's user), never by Accept-Language.
        translation.deactivate()
        return response


@require_POST
def set_language(request):
    """The language switch: remembered on the user (when logged in) and in the cookie, then back to the page."""
    code = request.POST.get("language", "")
    response = HttpResponseRedirect(safe_next(request, "/", target=request.POST.get("next", "")))
    if code in LANGUAGE_CODES:
        if request.user.is_authenticated and request.user.language != code:
            request.user.language = code
            request.user.save(update_fields=["language"])
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, code, max_age=settings.LANGUAGE_COOKIE_AGE, path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN, secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY, samesite=settings.LANGUAGE_COOKIE_SAMESITE)
    return response
