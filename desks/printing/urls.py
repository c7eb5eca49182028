from django.urls import path

from . import views

urlpatterns = [
    path("cetak/", views.print_desk, name="print_desk"),
    path("cetak/antrean/", views.build_queue, name="build_queue"),
    path("cetak/batch/", views.print_batch, name="print_batch"),
    path("cetak/pindai/", views.scan_printed, name="scan_printed"),
    path("cetak/daftar/", views.work_list, name="work_list"),
    path("cetak/<int:pk>/tercetak/", views.mark_job_printed, name="mark_job_printed"),
    path("cetak/<int:pk>/rusak/", views.spoil_job, name="spoil_job"),
    path("cetak/<int:pk>/koreksi/<str:kind>/", views.correct_job, name="correct_job"),
    path("pengambilan/", views.pickup_desk, name="pickup_desk"),
    path("pengambilan/siap/", views.ready_list, name="ready_cards"),
    path("pengambilan/<int:pk>/", views.pickup_card, name="pickup_card"),
    path("pengambilan/<int:pk>/serahkan/", views.hand_over, name="hand_over"),
    path("pengambilan/<int:pk>/tanda-terima/", views.pickup_receipt, name="pickup_receipt"),
]
