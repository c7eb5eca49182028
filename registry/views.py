"""The first office pages: login (listing the demo logins when they exist) and home."""
from django.contrib.auth import get_user_model, views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from inventory.models import BlankStock

from .access import office_view
from .models import EnrollmentCounts

DEMO_PASSWORD = "ektp-demo"


class DemoLoginView(auth_views.LoginView):
    template_name = "registration/login.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # seed_demo marks its users; a real office has none and sees no list.
        context["demo_users"] = (
            get_user_model().objects.filter(is_demo=True).select_related("office").order_by("office__code", "username")
        )
        context["demo_password"] = DEMO_PASSWORD
        return context


@login_required
def home(request):
    office = request.user.office
    context = {"office": office}
    if office is not None:
        context["stock"] = BlankStock.objects.get(office=office)
        context["counts"] = EnrollmentCounts.objects.get(office=office)
    return render(request, "home.html", context)


def _stub(title):
    @office_view()
    def view(request):
        return render(request, "stub.html", {"title": title})

    return view


enrollments = _stub("Enrollments")
duplicates = _stub("Duplicates")
suket_list = _stub("Suket")
