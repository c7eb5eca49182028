"""The login forms, and the head's forms for the office's accounts."""
from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import second_factor
from .accounts import OFFICE_ROLES
from .roles import Role


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
    """The office login: an account with a second factor gives its code too (a wrong code counts as a failed login)."""

    code = forms.CharField(label=_("Code from the authenticator app"), required=False, max_length=10,
                           help_text=_("Only if your account has a second factor: the 6 digits the app shows now."),
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if second_factor.device(user) is None:
            return
        # The login throttle may have checked the code already (and a code is good once).
        if getattr(self.request, "second_factor_checked", None) == user.pk:
            return
        if second_factor.code_is_valid(user, self.cleaned_data.get("code", "")):
            return
        user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=self.request)
        raise ValidationError(_("Your account has a second factor: type the 6-digit code your authenticator app shows now."),
                              code="second_factor")


class AdminLoginForm(RefusesImpossibleNames, AdminAuthenticationForm):
    pass


class AccountForm(forms.Form):
    username = forms.CharField(label=_("Login name"), max_length=150, help_text=_("e.g. petugas2.5371"))
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=[(role.value, role.label) for role in OFFICE_ROLES], initial=Role.CLERK)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=[(role.value, role.label) for role in OFFICE_ROLES])


class SecondFactorCodeForm(forms.Form):
    code = forms.CharField(label=_("Code from the authenticator app"), max_length=10,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))
