from django.urls import path

from . import views

urlpatterns = [
    path("dasbor/", views.dashboard, name="dashboard"),
    path("dasbor/waktu-tunggu/", views.dashboard_lead_time, name="dashboard_lead_time"),
    path("stok/", views.stock, name="stock"),
    path("stok/penerimaan/", views.stock_receive, name="stock_receive"),
    path("stok/rusak/", views.stock_spoil, name="stock_spoil"),
    path("stok/opname/", views.stock_count, name="stock_count"),
    path("stok/opname/<int:pk>/setujui/", views.stock_count_approve, name="stock_count_approve"),
    path("stok/opname/<int:pk>/tolak/", views.stock_count_reject, name="stock_count_reject"),
    path("stok/penerimaan/<int:pk>/koreksi/", views.stock_receipt_correct, name="stock_receipt_correct"),
    path("stok/koreksi/<int:pk>/setujui/", views.stock_receipt_decide, {"approve": True}, name="stock_receipt_approve"),
    path("stok/koreksi/<int:pk>/tolak/", views.stock_receipt_decide, {"approve": False}, name="stock_receipt_reject"),
    path("stok/laporan/", views.stock_report_monthly, name="stock_report_monthly"),
    path("stok/berita-acara/", views.spoilage_minutes, name="spoilage_minutes"),
    path("permintaan/", views.requests, name="requests"),
    path("permintaan/baru/", views.request_new, name="request_new"),
    path("permintaan/<int:pk>/", views.request_detail, name="request_detail"),
    path("permintaan/<int:pk>/kirim/", views.request_send, name="request_send"),
    path("permintaan/<int:pk>/tutup/", views.request_close, name="request_close"),
    path("permintaan/<int:pk>/surat.pdf", views.request_letter_pdf, name="request_letter_pdf"),
]
