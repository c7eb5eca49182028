from django.urls import path

from . import views

urlpatterns = [
    path("", views.offices, name="public_offices"),
    path("suket/", views.suket_lookup, name="public_suket_lookup"),
    path("suket/<str:number>/", views.suket_check, name="public_suket_check"),
    path("<str:code>/", views.ready, name="public_ready"),
    path("<str:code>/kartu-saya/", views.my_card, name="public_my_card"),
]
