"""URL routes: the office pages, the admin, and (later) the public pages under /publik/."""
from django.contrib import admin
from django.urls import include, path

from people.forms import AdminLoginForm

admin.autodiscover()
admin.site.login_form = AdminLoginForm

# A database outage answers 503 with one sentence (config/outage.py); other errors are Django's own.
handler500 = "config.outage.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("publik/", include("public.urls")),
    path("", include("people.urls")),
    path("", include("registry.urls")),
    path("", include("printing.urls")),
    path("", include("inventory.urls")),
]
