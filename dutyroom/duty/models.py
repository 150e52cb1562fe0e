"""Shifts of a duty room: the city's, or a town's own (分级管理). Alerts addressed to "the duty officer" go to
whoever's shift of the receiving duty room covers now."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q


class Shift(models.Model):
    """One shift: [starts_at, ends_at) with its duty officer, duty leader and the city leader on duty."""

    starts_at = models.DateTimeField()
    # The duty room whose roster this is: a unit running a duty room below the city, or null for the city's (so
    # every shift from before duty rooms below the city reads as the city's).
    room = models.ForeignKey("orgs.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
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
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="shift_ends_after_start"),
            # one shift starts at a moment per roster (the city's is the rows without a room)
            models.UniqueConstraint(
                fields=["starts_at"], condition=Q(room__isnull=True), name="shift_city_starts_once"
            ),
            models.UniqueConstraint(
                fields=["room", "starts_at"], condition=Q(room__isnull=False), name="shift_room_starts_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%H:%M} {self.duty_officer_id}"
