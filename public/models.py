"""What the public pages keep: the lookup counters of the rate limit (public/ratelimit.py)."""
from django.db import models


class LookupCount(models.Model):
    """Lookups of one client address in one scope (my card, Suket check) since its window opened.

    In the database, not the cache: the limit keeps counting with Redis down,
    and every process counts against the same row.
    """

    scope = models.CharField(max_length=20)
    address = models.CharField(max_length=64)  # as common.addresses.client_address gives it (an IPv6 /64 included)
    window_start = models.FloatField()  # seconds since the epoch: compared in SQL the same way on PostgreSQL and SQLite
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "address"], name="one_lookup_count_per_client")]
        # The purge of closed windows reads this.
        indexes = [models.Index(fields=["window_start"], name="lookup_count_window")]

    def __str__(self):
        return f"{self.scope} {self.address}: {self.count}"
