"""The roles of an office's people."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CLERK = "clerk", _("Clerk (petugas)")
    STOCK_KEEPER = "stock_keeper", _("Stock keeper (bendahara barang)")
    HEAD = "head", _("Head of office (kepala dinas)")
    ADMIN = "admin", _("Administrator")
