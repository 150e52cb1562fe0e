"""Alert events, who they reached (inbox), how they leave the system (deliveries) and the ladder's marks.

Idempotency lives in unique keys: an ``AlertEvent.key`` per cause (a ladder rung of one deadline, a chase,
an outbox event), a ``Notification`` per (event, user) and a ``Delivery.key`` per (event, recipient,
channel). However many workers run or restart, a second row for the same key cannot be written.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

from dutyroom.common.queue import Queue


class Channel(models.TextChoices):
    EMAIL = "email", "电子邮件"
    SMS = "sms", "短信"
    WEBHOOK = "webhook", "Webhook"


class DeliveryState(models.TextChoices):
    PENDING = "pending", "待发送"
    SENDING = "sending", "发送中"
    DELIVERED = "delivered", "已送达"
    FAILED = "failed", "失败"


class AlertEvent(models.Model):
    """One thing that happened and must reach people. ``text`` already obeys the content rule."""

    key = models.CharField(max_length=200)  # unique: see Meta (no LIKE index beside it)
    topic = models.CharField(max_length=32)
    incident = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    obligation = models.ForeignKey(
        "obligations.Obligation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey("orgs.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    protected = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["key"], name="alert_event_key_once")]
        indexes = [models.Index(fields=["topic", "created_at"])]


class Notification(models.Model):
    """One event in one person's inbox (in-app delivery); shown once, whatever happens to the channels."""

    # no index of their own: (event, user) and (user, -id) below lead with them; an overdue alert writes three rows
    event = models.ForeignKey(AlertEvent, on_delete=models.CASCADE, related_name="notifications", db_index=False)
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="notifications", db_index=False)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["event", "user"], name="notification_once_per_user")]
        indexes = [
            models.Index(fields=["user", "-id"]),
            models.Index(fields=["user"], name="notification_unread", condition=Q(read_at__isnull=True)),
        ]


class AlertMark(models.Model):
    """A ladder rung done for one deadline of one clock: fired, or skipped as superseded. A moved deadline
    (re-grade, corrected time) starts a fresh ladder because ``due_at`` is part of the key."""

    obligation = models.ForeignKey(
        "obligations.Obligation", on_delete=models.CASCADE, related_name="+", db_index=False
    )  # alert_mark_once leads with it
    step = models.CharField(max_length=64)
    due_at = models.DateTimeField()
    fired = models.BooleanField()
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["obligation", "step", "due_at"], name="alert_mark_once")]


class Chase(models.Model):
    """催报: the duty room chased a unit about one clock. Counted per unit for the assessment."""

    obligation = models.ForeignKey("obligations.Obligation", on_delete=models.PROTECT, related_name="chases")
    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="chases")
    by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["unit", "at"])]


class Webhook(models.Model):
    """An integrator's endpoint; ``topics`` empty = every topic, ``unit`` set = only that unit's events."""

    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=200)  # needed in clear to sign; never returned by the API
    topics = models.JSONField(default=list, blank=True)
    unit = models.ForeignKey("orgs.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey("accounts.User", null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]


class Delivery(models.Model):
    """One message on one channel to one recipient; ``uuid`` is the delivery id sent on every retry."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    key = models.CharField(max_length=240, unique=True)
    event = models.ForeignKey(AlertEvent, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    user = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    webhook = models.ForeignKey(Webhook, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries")
    target = models.CharField(max_length=500)
    state = models.CharField(max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_at = models.DateTimeField()
    claimed_by = models.CharField(max_length=80, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["next_at"], name="delivery_due", condition=Q(state="pending")),
            models.Index(fields=["claimed_until"], name="delivery_claimed", condition=Q(state="sending")),
            models.Index(fields=["state", "-id"]),
        ]


# claimed, leased and retried as every queue is (``common.queue``)
DELIVERIES = Queue(Delivery, due="next_at")


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_rows")
    at = models.DateTimeField()
    status = models.CharField(max_length=20)  # "ok", "http 503", "timeout", "error"
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]


class AlertPreference(models.Model):
    """Channels for one user, or a unit's default for its staff. No row: e-mail and SMS where an address is
    known. ``sound`` is the browser cue on the board (mutable per user, stored so it follows the person from
    browser to browser). ``topics`` maps a topic to the channels wanted for it (``inapp``, ``email``, ``sms``);
    a topic not named there falls back to ``channels`` plus in-app (see ``alerts.preferences``)."""

    user = models.OneToOneField(
        "accounts.User", null=True, blank=True, on_delete=models.CASCADE, related_name="alert_preference"
    )
    unit = models.OneToOneField(
        "orgs.Unit", null=True, blank=True, on_delete=models.CASCADE, related_name="alert_preference"
    )
    channels = models.JSONField(default=list, blank=True)
    topics = models.JSONField(default=dict, blank=True)
    sound = models.BooleanField(default=True)


class LadderPlan(models.Model):
    """The alert ladder the open clocks were planned by (one row): a rulebook with other rungs re-plans them all
    (``alerts.ladder.policy_adopt``), since each clock stores only when its next rung is due."""

    fingerprint = models.CharField(max_length=64)
    adopted_at = models.DateTimeField()
