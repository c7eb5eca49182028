"""Office pages of this app (stubs until their desks are built)."""
from django.shortcuts import render

from registry.access import office_view


@office_view()
def print_desk(request):
    return render(request, "stub.html", {"title": "print_desk"})


@office_view()
def pickup_desk(request):
    return render(request, "stub.html", {"title": "pickup_desk"})

