"""Reporting upward (分级报送) between instances: what left, what arrived, and how the two sides' ids meet.

A child instance keeps a :class:`Forwarding` per thing it must tell its parent (and a parent one per
verification request it sends down): the outbox of this link, retried with backoff until the other side
answers with a receipt. The receiving side keeps :class:`InboundForwarding` by ``forwarding_id`` so a retried
delivery returns the first receipt and creates nothing twice, and maps the sender's ids onto its own rows.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

from dutyroom.common.queue import Queue


class ForwardingState(models.TextChoices):
    #: an upward report waiting for the duty leader's 签发; the sender never claims it (``outbound._claim``)
    AWAITING = "awaiting", "待签发"
    PENDING = "pending", "待发送"
    SENDING = "sending", "发送中"
    DELIVERED = "delivered", "已送达"


class ForwardingKind(models.TextChoices):
    INCIDENT = "incident", "事件及报告"
    VERIFICATION_REPLY = "verification_reply", "核报反馈"
    VERIFICATION_REQUEST = "verification_request", "核实请求"


class Forwarding(models.Model):
    forwarding_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    direction = models.CharField(max_length=4, default="up")  # up: to the parent; down: to a child
    target = models.CharField(max_length=64)  # the parent's name, or a child's code
    kind = models.CharField(max_length=24, choices=ForwardingKind.choices)
    source_event_id = models.BigIntegerField(null=True, blank=True)
    incident = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.PROTECT, related_name="forwardings"
    )
    report = models.ForeignKey("reports.Report", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    verification_request = models.ForeignKey(
        "reports.VerificationRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(max_length=10, choices=ForwardingState.choices, default=ForwardingState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claimed_by = models.CharField(max_length=80, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    receipt = models.JSONField(default=dict, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    #: the duty leader's 签发 (``outbound.forwarding_sign``); both empty when the forwarding was sent without one
    #: (downward requests, and grades the installation sends at once, ``DUTYROOM_FORWARD_AUTO_GRADES``)
    signed_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(null=True, blank=True)
    #: the newest report of the incident when it was signed: what the leader saw is what goes, and a report
    #: filed after the 签发 waits for a 签发 of its own
    reports_through = models.BigIntegerField(null=True, blank=True)
    #: a work-secret incident's words go upward only by this explicit, audited decision of the signer
    with_content = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="forwarding_due", condition=~Q(state="delivered")),
            # the 待签发 panel on the board reads only these, oldest first
            models.Index(fields=["created_at"], name="forwarding_awaiting", condition=Q(state="awaiting")),
        ]


# claimed, leased and retried as every queue is (``common.queue``); a forwarding is retried until the other side
# answers, however long it is down (no attempt is the last)
FORWARDINGS = Queue(Forwarding, due="next_attempt_at")


class ForwardingCursor(models.Model):
    """How far the planner has read the outbox (one row)."""

    last_event_id = models.BigIntegerField(default=0)


class ForwardedReport(models.Model):
    """The other side's receipt for one of our reports: "received by Suzhou at 14:32"."""

    report = models.OneToOneField("reports.Report", on_delete=models.PROTECT, related_name="upward_receipt")
    received_at = models.DateTimeField()
    received_by = models.CharField(max_length=100)
    remote_id = models.BigIntegerField(null=True, blank=True)


class InboundForwarding(models.Model):
    """A delivery we accepted, kept with the receipt we answered (the same answer for every retry)."""

    forwarding_id = models.UUIDField(unique=True)
    sender = models.CharField(max_length=64)
    kind = models.CharField(max_length=24, choices=ForwardingKind.choices)
    received_at = models.DateTimeField()
    response = models.JSONField(default=dict)


class RemoteLink(models.Model):
    """The other instance's id of a row we hold: (sender, kind, remote id) → our incident/report/request."""

    sender = models.CharField(max_length=64)
    kind = models.CharField(max_length=24)  # incident | report | verification_request
    remote_id = models.BigIntegerField()
    local_id = models.BigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["sender", "kind", "remote_id"], name="remote_link_unique")]
