from django.urls import path

from . import views

urlpatterns = [
    path("cetak/", views.print_desk, name="print_desk"),
    path("pengambilan/", views.pickup_desk, name="pickup_desk"),
]
