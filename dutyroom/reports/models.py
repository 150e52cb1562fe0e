"""Reports and verification requests (核报). The clocks they meet live in ``dutyroom.obligations``."""

from __future__ import annotations

from django.db import models

from dutyroom.common import limits
from dutyroom.common.choices import choices
from dutyroom.rules import Channel, ReportKind


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
    # NULL is unknown (the report did not state the figure), never the same as a reported 0.
    deaths = models.PositiveIntegerField(null=True, blank=True)
    missing = models.PositiveIntegerField(null=True, blank=True)
    trapped = models.PositiveIntegerField(null=True, blank=True)
    serious_injuries = models.PositiveIntegerField(null=True, blank=True)
    injuries = models.PositiveIntegerField(null=True, blank=True)
    evacuated = models.PositiveIntegerField(null=True, blank=True)
    has_figures = models.BooleanField(default=False)
    direct_loss_cny = models.DecimalField(
        max_digits=limits.LOSS_CNY_DIGITS, decimal_places=limits.LOSS_CNY_PLACES, null=True, blank=True
    )
    measures = models.TextField(blank=True)
    trend = models.TextField(blank=True)
    signer = models.CharField(max_length=limits.SIGNER, blank=True)
    contact_name = models.CharField(max_length=limits.CONTACT_NAME, blank=True)
    contact_phone = models.CharField(max_length=limits.CONTACT_PHONE, blank=True)
    verification_request = models.ForeignKey(
        VerificationRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="replies"
    )
    called_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField()
    submitted_by = models.ForeignKey("accounts.User", null=True, on_delete=models.PROTECT, related_name="+")
    forbidden_channel = models.BooleanField(default=False)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["received_at", "id"]
        indexes = [
            # the few reports over a forbidden channel, by when they came: the assessment starts from them, not
            # from a year of clocks
            models.Index(fields=["received_at"], condition=models.Q(forbidden_channel=True), name="report_forbidden"),
        ]
