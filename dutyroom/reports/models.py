"""Reports, the obligations (statutory clocks) they meet, and verification requests (核报)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from dutyroom.common.choices import choices
from dutyroom.rules import Channel, ObligationKind, ObligationState, ReportKind


class Authority(models.TextChoices):
    STATE_COUNCIL = "state_council", "国务院"
    JIANGSU = "jiangsu", "江苏省"
    SUZHOU = "suzhou", "苏州市"
    CITY = "city", "市政府"


class VerificationRequest(models.Model):
    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="verification_requests")
    authority = models.CharField(max_length=20, choices=Authority.choices)
    question = models.TextField()
    incident = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.PROTECT, related_name="verification_requests"
    )
    due_at = models.DateTimeField()
    requested_by = models.ForeignKey("accounts.User", null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]


class Report(models.Model):
    """One report as received. ``received_at`` is always the server's clock, never the sender's."""

    # null only for a verification reply to a request that concerns no incident (e.g. checking a rumour)
    incident = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.PROTECT, related_name="reports"
    )
    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="reports")
    kind = models.CharField(max_length=20, choices=choices(ReportKind))
    channel = models.CharField(max_length=10, choices=choices(Channel), default="platform")
    number = models.PositiveIntegerField(null=True, blank=True)
    summary = models.TextField(blank=True)
    deaths = models.PositiveIntegerField(default=0)
    missing = models.PositiveIntegerField(default=0)
    trapped = models.PositiveIntegerField(default=0)
    serious_injuries = models.PositiveIntegerField(default=0)
    injuries = models.PositiveIntegerField(default=0)
    evacuated = models.PositiveIntegerField(default=0)
    has_figures = models.BooleanField(default=False)
    direct_loss_cny = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    measures = models.TextField(blank=True)
    trend = models.TextField(blank=True)
    signer = models.CharField(max_length=100, blank=True)
    contact_name = models.CharField(max_length=100, blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)
    verification_request = models.ForeignKey(
        VerificationRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="replies"
    )
    called_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField()
    submitted_by = models.ForeignKey("accounts.User", null=True, on_delete=models.PROTECT, related_name="+")
    forbidden_channel = models.BooleanField(default=False)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["received_at", "id"]


class Obligation(models.Model):
    """A statutory clock: ``unit`` must do ``kind`` by ``due_at``. ``key`` makes planning idempotent."""

    key = models.CharField(max_length=160, unique=True)
    incident = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.PROTECT, related_name="obligations"
    )
    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="obligations")
    kind = models.CharField(max_length=20, choices=choices(ObligationKind))
    state = models.CharField(max_length=10, choices=choices(ObligationState), default="pending")
    due_at = models.DateTimeField()
    anchor_at = models.DateTimeField()
    rule = models.CharField(max_length=120)
    met_at = models.DateTimeField(null=True, blank=True)
    met_by = models.ForeignKey(Report, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    late_by_seconds = models.BigIntegerField(null=True, blank=True)
    report = models.ForeignKey(
        Report, null=True, blank=True, on_delete=models.PROTECT, related_name="receipt_obligations"
    )
    verification_request = models.ForeignKey(
        VerificationRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="obligations"
    )
    overdue_at = models.DateTimeField(null=True, blank=True)
    waived_reason = models.TextField(blank=True)
    waived_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    waived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["due_at"], name="obligation_pending_due", condition=Q(state="pending")),
            models.Index(fields=["unit", "state"]),
            models.Index(fields=["incident", "kind"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.unit_id} due {self.due_at:%Y-%m-%d %H:%M}"
