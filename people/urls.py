from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("masuk/", views.DemoLoginView.as_view(), name="login"),
    path("keluar/", auth_views.LogoutView.as_view(), name="logout"),
    path("akun/sandi/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("akun/sandi/selesai/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("akun-kantor/blokir/", views.login_blocks, name="login_blocks"),
    path("akun-kantor/blokir/buka/", views.lift_login_block, name="lift_login_block"),
]
