"""What the people app keeps: the one-time tokens of desk forms, and the history of the office's accounts."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.dates import now

from .roles import Role


class SentForm(models.Model):
    """A desk form's one-time token, kept once the form's work has committed: the same form sent again does nothing."""

    token = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(default=now)
    path = models.CharField(max_length=300)


class AccountChange(models.Model):
    """One change the head made to an account of the office: who, when, what (people.accounts writes it)."""

    class Kind(models.TextChoices):
        ADDED = "added", _("Account added")
        ROLE = "role", _("Role changed")
        DEACTIVATED = "deactivated", _("Account deactivated")
        REACTIVATED = "reactivated", _("Account reactivated")
        PASSWORD_RESET = "password_reset", _("One-time password given")
        SECOND_FACTOR_ON = "second_factor_on", _("Second factor required for the office")
        SECOND_FACTOR_OFF = "second_factor_off", _("Second factor no longer required")

    office = models.ForeignKey("registry.Office", on_delete=models.PROTECT, related_name="+", db_index=False)
    # Empty for a change of the office's settings.
    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=now)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    old_role = models.CharField(max_length=20, blank=True)
    new_role = models.CharField(max_length=20, blank=True)

    class Meta:
        indexes = [models.Index(fields=["office", "-at", "-id"], name="account_change_office_latest")]

    @property
    def old_role_label(self):
        return Role(self.old_role).label if self.old_role else ""

    @property
    def new_role_label(self):
        return Role(self.new_role).label if self.new_role else ""
