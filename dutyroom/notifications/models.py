"""The outbox: every side effect is a row written in the same transaction as the change that caused it."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from dutyroom.common.queue import Queue


class OutboxState(models.TextChoices):
    PENDING = "pending", "待发送"
    SENDING = "sending", "发送中"
    DELIVERED = "delivered", "已送达"
    FAILED = "failed", "失败"


class OutboxEvent(models.Model):
    """An event for one audience unit (the duty room is an audience too).

    ``sensitive`` events never carry incident content outside the system: transports send only
    "a new item needs you, log in" (domain.md §6).
    """

    topic = models.CharField(max_length=64)
    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="outbox_events")
    incident_id = models.BigIntegerField(null=True, blank=True)
    obligation_id = models.BigIntegerField(null=True, blank=True)
    payload = models.JSONField(default=dict)
    sensitive = models.BooleanField(default=False)
    state = models.CharField(max_length=10, choices=OutboxState.choices, default=OutboxState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    available_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["available_at"], name="outbox_pending", condition=Q(state="pending")),
            models.Index(fields=["unit", "id"]),
        ]


# Routed to people inside the transaction that claims it (``alerts.fanout``), so an event needs no lease: the
# queue's ``take`` moves it from pending to delivered by compare-and-set, and a crash rolls both back.
OUTBOX = Queue(OutboxEvent, due="available_at")
