"""URL routes: the office pages, the admin, and (later) the public pages under /publik/."""
from django.contrib import admin
from django.urls import include, path

from people.forms import AdminLoginForm
from people.language import set_language

admin.autodiscover()
admin.site.login_form = AdminLoginForm

# The error pages in the office's layout and language, rendered without the database (config/errors.py);
# a database outage answers 503 with one sentence (config/outage.py).
handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/setlang/", set_language, name="set_language"),
    path("publik/", include("public.urls")),
    path("", include("people.urls")),
    path("", include("desks.registry.urls")),
    path("", include("desks.printing.urls")),
    path("", include("desks.inventory.urls")),
]
