from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("masuk/", views.DemoLoginView.as_view(), name="login"),
    path("keluar/", auth_views.LogoutView.as_view(), name="logout"),
    path("akun/sandi/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("akun/sandi/selesai/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("perekaman/", views.enrollments, name="enrollments"),
    path("data-ganda/", views.duplicates, name="duplicates"),
    path("suket/", views.suket_list, name="suket_list"),
]
