from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("masuk/", views.DemoLoginView.as_view(), name="login"),
    path("keluar/", auth_views.LogoutView.as_view(), name="logout"),
    path("akun/sandi/", views.PasswordChangeView.as_view(), name="password_change"),
    path("akun/sandi/selesai/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("akun/faktor-kedua/", views.second_factor_page, name="second_factor"),
    path("akun-kantor/", views.office_accounts, name="office_accounts"),
    path("akun-kantor/tambah/", views.account_add, name="account_add"),
    path("akun-kantor/<int:pk>/peran/", views.account_role, name="account_role"),
    path("akun-kantor/<int:pk>/aktif/", views.account_active, name="account_active"),
    path("akun-kantor/<int:pk>/sandi-sekali/", views.account_password, name="account_password"),
    path("akun-kantor/faktor-kedua/", views.office_second_factor, name="office_second_factor"),
    path("akun-kantor/blokir/", views.login_blocks, name="login_blocks"),
    path("akun-kantor/blokir/buka/", views.lift_login_block, name="lift_login_block"),
]
