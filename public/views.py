"""Public pages for residents (stubs until built)."""
from django.shortcuts import render


def offices(request):
    return render(request, "stub.html", {"title": "publik"})


def suket_lookup(request):
    return render(request, "stub.html", {"title": "suket"})


def suket_check(request, number):
    return render(request, "stub.html", {"title": number})


def ready(request, code):
    return render(request, "stub.html", {"title": code})


def my_card(request, code):
    return render(request, "stub.html", {"title": code})
