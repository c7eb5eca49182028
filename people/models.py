"""What the access layer keeps: the one-time tokens of desk forms."""
from django.conf import settings
from django.db import models

from common.dates import now


class SentForm(models.Model):
    """A desk form's one-time token, kept once the form's work has committed: the same form sent again does nothing."""

    token = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(default=now)
    path = models.CharField(max_length=300)
