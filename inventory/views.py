"""Office pages of this app (stubs until their desks are built)."""
from django.shortcuts import render

from registry.access import office_view


@office_view()
def dashboard(request):
    return render(request, "stub.html", {"title": "dashboard"})


@office_view()
def stock(request):
    return render(request, "stub.html", {"title": "stock"})


@office_view()
def requests(request):
    return render(request, "stub.html", {"title": "requests"})

