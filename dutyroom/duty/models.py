"""Shifts of the city duty room. Alerts addressed to "the duty officer" go to whoever's shift covers now."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q


class Shift(models.Model):
    """One shift: [starts_at, ends_at) with its duty officer, duty leader and the city leader on duty."""

    starts_at = models.DateTimeField(unique=True)
    ends_at = models.DateTimeField()
    duty_officer = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    duty_leader = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    city_leader = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey("accounts.User", null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["ends_at"])]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="shift_ends_after_start")]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%H:%M} {self.duty_officer_id}"
