"""A handover between two duty officers and the free entries of the duty log.

``Handover.items`` is a frozen JSON snapshot of what was open when the outgoing officer signed: the live
state moves on, but what was handed over must stay as it was (the same reason incidents snapshot their
rulebook). Work-secret titles are never written into it (see ``selectors.open_items``).

``incoming`` is optional at sign-out: when the outgoing officer names a successor only that person may
acknowledge; when nobody is named, whoever acknowledges becomes the incoming officer.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from dutyroom.handover import limits


class Handover(models.Model):
    # The duty room whose book this is: a town's own (分级管理), or null for the city's.
    room = models.ForeignKey("orgs.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    shift = models.ForeignKey("duty.Shift", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    outgoing = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    incoming = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True, max_length=limits.HANDOVER_NOTE)
    items = models.JSONField(default=list)
    signed_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ack_note = models.TextField(blank=True, max_length=limits.ACK_NOTE)

    class Meta:
        ordering = ["-signed_at", "-id"]
        indexes = [models.Index(fields=["signed_at"], name="handover_signed_at")]
        constraints = [
            # both signatures are people: the one who hands over never acknowledges their own handover
            models.CheckConstraint(condition=~Q(acknowledged_by=F("outgoing")), name="handover_ack_not_outgoing"),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True, acknowledged_by__isnull=True)
                | Q(acknowledged_at__isnull=False, acknowledged_by__isnull=False),
                name="handover_ack_time_and_person",
            ),
        ]

    def __str__(self) -> str:
        return f"交接班#{self.pk} {self.signed_at:%Y-%m-%d %H:%M}"


class DutyLogKind(models.TextChoices):
    CALL = "call", "来电"
    INSTRUCTION = "instruction", "传达指示"
    OTHER = "other", "其他"


class DutyLogEntry(models.Model):
    """One line a duty officer writes in the log; ``at`` is the minute it happened (not when it was typed)."""

    at = models.DateTimeField()
    kind = models.CharField(max_length=12, choices=DutyLogKind.choices)
    text = models.TextField(max_length=limits.LOG_TEXT)
    incident = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey("orgs.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    # The duty room whose log this is: a town's own (分级管理), or null for the city's.
    room = models.ForeignKey("orgs.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["at"], name="duty_log_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind} {self.text[:20]}"
