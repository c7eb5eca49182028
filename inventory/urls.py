from django.urls import path

from . import views

urlpatterns = [
    path("dasbor/", views.dashboard, name="dashboard"),
    path("stok/", views.stock, name="stock"),
    path("permintaan/", views.requests, name="requests"),
]
