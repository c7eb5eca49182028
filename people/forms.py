"""The login forms."""
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class RefusesImpossibleNames:
    """A login name longer than any account's is refused like a wrong password, before any account is looked up.

    Django's login form does not apply the username's length to what is typed, and the login throttle
    (django-axes) stores the name of every failed login in a column of 255: a longer name answered 500.
    Such a name can never log in, so it is not counted against the address either.

    The refusal is our own sentence: Django's, translated, named the username field twice ("nama pengguna nama pengguna").
    """

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The username or the password is wrong. Capital and small letters count."),
    }

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        if len(username) > self.username_field.max_length:
            raise self.get_invalid_login_error()
        return super().clean()


class LoginForm(RefusesImpossibleNames, AuthenticationForm):
    pass


class AdminLoginForm(RefusesImpossibleNames, AdminAuthenticationForm):
    pass
