"""The residents' pages under /publik/: the address offices print on their notices."""
from django.urls import path, re_path

from . import views

urlpatterns = [
    path("", views.offices, name="public_offices"),
    path("kartu-saya/", views.my_card, name="public_my_card"),
    path("suket/", views.suket_lookup, name="public_suket_lookup"),
    # A contract: the QR code on every Suket is PUBLIC_BASE_URL + this route.
    path("suket/<str:number>/", views.suket_check, name="public_suket_check"),
    re_path(r"^(?P<code>[0-9]{4})/$", views.ready, name="public_ready"),
    re_path(r"^(?P<code>[0-9]{4})/kartu-saya/$", views.office_my_card, name="public_office_my_card"),
]
