"""Pages for residents, no login: the offices, each office's ready board, my card, checking a Suket.

A lookup (my card, a Suket check) is counted against the client's address
first (public/ratelimit.py). Pages with a resident's answer are never cached.
"""
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from registry.models import Office

from . import selectors
from .forms import MyCardForm, SuketNumberForm
from .ratelimit import count_lookup


def offices(request):
    return render(request, "public/offices.html", {"offices": Office.objects.order_by("code").only("code", "name")})


def ready(request, code):
    office = get_object_or_404(Office, code=code)
    with timezone.override(office.zone):  # the office's board in its own clock
        return render(request, "public/ready.html", {"office": office, "board": selectors.board(office)})


@never_cache
@require_http_methods(["GET", "POST"])
def my_card(request):
    """NIK, birth date and mother's name in a POST (never in an address, a log or a Referer); the answer, or 'not found'.

    'Not found' is the same page whatever was wrong (an unknown NIK, a wrong
    birth date, a wrong or empty mother's name, a record with no mother's name
    on file): the form again with what the resident typed, as typed, and the
    same sentences, so it never tells whether a NIK exists and the resident
    corrects one field instead of typing sixteen digits again. Nothing is
    shown that was not typed. Every one of them is counted and searched the same way.
    """
    if request.method == "POST":
        form = MyCardForm(request.POST)
        if form.is_valid():
            verdict = count_lookup("my-card", request)
            if not verdict.allowed:
                return _too_many(request, verdict)
            cards = selectors.find_cards(nik=form.cleaned_data["nik"], birth_date=form.cleaned_data["tanggal_lahir"],
                                         mother_name=form.cleaned_data["nama_ibu"])
            if cards:
                return render(request, "public/my_card.html", {"cards": cards})
            return render(request, "public/my_card.html", {"form": form, "not_found": True})
    else:
        form = MyCardForm()
    return render(request, "public/my_card.html", {"form": form})


def office_my_card(request, code):
    """The skeleton's per-office address: one form searches every office."""
    return redirect("public_my_card")


def suket_lookup(request):
    form = SuketNumberForm(request.GET or None)
    if form.is_valid():
        return redirect("public_suket_check", form.cleaned_data["nomor"])
    return render(request, "public/suket_lookup.html", {"form": form})


@never_cache
def suket_check(request, number):
    """Where a Suket's QR code leads: genuine or not, valid or not, the holder's name masked."""
    verdict = count_lookup("suket", request)
    if not verdict.allowed:
        return _too_many(request, verdict)
    check = selectors.check_suket(number.strip().upper())
    return render(request, "public/suket_check.html", {"check": check, "number": number, "form": SuketNumberForm()},
                  status=200 if check else 404)


def _too_many(request, verdict) -> HttpResponse:
    response = render(request, "public/too_many.html", {"minutes": verdict.minutes}, status=429)
    response["Retry-After"] = str(verdict.retry_after)
    return response
