from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("perekaman/", views.enrollments, name="enrollments"),
    path("perekaman/<int:pk>/", views.enrollment_detail, name="enrollment_detail"),
    path("perekaman/perlu-diperiksa/", views.enrollments_to_look_at, name="enrollments_to_look_at"),
    path("perekaman/<int:pk>/koreksi/", views.enrollment_edit, name="enrollment_edit"),
    path("perekaman/<int:pk>/batalkan/", views.enrollment_void, name="enrollment_void"),
    path("perekaman/<int:pk>/kawin/", views.enrollment_marriage, name="enrollment_marriage"),
    path("perekaman/unggah/", views.enrollment_upload, name="enrollment_upload"),
    path("perekaman/unggah/<int:pk>/", views.enrollment_upload_status, name="enrollment_upload_status"),
    path("perekaman/unggah/<int:pk>/coba-lagi/", views.enrollment_upload_retry, name="enrollment_upload_retry"),
    path("perekaman/unggah/<int:pk>/ditolak/", views.enrollment_upload_rejected, name="enrollment_upload_rejected"),
    path("data-ganda/", views.duplicates, name="duplicates"),
    path("data-ganda/<int:pk>/", views.duplicate_detail, name="duplicate_detail"),
    path("data-ganda/<int:pk>/buka-kembali/", views.duplicate_reopen, name="duplicate_reopen"),
    path("data-ganda/<int:pk>/kunjungan/", views.duplicate_visit, name="duplicate_visit"),
    path("suket/", views.suket_list, name="suket_list"),
    path("suket/terbitkan/", views.suket_issue, name="suket_issue"),
    path("suket/<int:pk>/", views.suket_detail, name="suket_detail"),
    path("suket/<int:pk>/pdf/", views.suket_pdf, name="suket_pdf"),
]
