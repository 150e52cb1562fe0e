"""Incidents (突发事件) and the rulebook snapshots they were judged under."""

from __future__ import annotations

from django.db import models

from dutyroom.common import limits
from dutyroom.common.choices import choices
from dutyroom.rules import Category, Classification, Grade, Severity


class RulebookSnapshot(models.Model):
    """The exact rulebook text an incident was judged under, so editing a YAML file never rewrites history."""

    ref = models.CharField(max_length=80, unique=True)
    rulebook_id = models.CharField(max_length=64)
    version = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    text = models.TextField()
    loaded_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.ref


class IncidentState(models.TextChoices):
    OPEN = "open", "处置中"
    HANDLED = "handled", "处置结束"
    CLOSED = "closed", "已办结"


class Incident(models.Model):
    title = models.CharField(max_length=limits.TITLE)
    category = models.CharField(max_length=20, choices=choices(Category))
    secondary_category = models.CharField(max_length=20, choices=choices(Category), blank=True)
    subtype = models.CharField(max_length=limits.SUBTYPE, blank=True)
    grade = models.CharField(max_length=3, choices=choices(Grade), null=True, blank=True)
    sensitive = models.BooleanField(default=False)
    may_escalate = models.BooleanField(default=False)
    hotspot = models.BooleanField(default=False)
    exercise = models.BooleanField(default=False)
    occurred_at = models.DateTimeField()
    learned_at = models.DateTimeField(null=True, blank=True)
    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="incidents")
    area = models.ForeignKey("orgs.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    address = models.CharField(max_length=limits.ADDRESS, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    classification = models.CharField(max_length=12, choices=choices(Classification), default="internal")
    # A classified stub: the incident's content went through the secure channel (秘密 and above never enters
    # this system); only that it happened, its grade and its delivery times are recorded, and its clocks run.
    classified_stub = models.BooleanField(default=False, db_default=False)  # rows written by older code too
    state = models.CharField(max_length=10, choices=IncidentState.choices, default=IncidentState.OPEN)
    handled_at = models.DateTimeField(null=True, blank=True)
    rulebook = models.ForeignKey(RulebookSnapshot, on_delete=models.PROTECT, related_name="incidents")
    # The severity at creation: the initial clocks are recomputed from it when the occurrence time is
    # corrected, so a later re-grade never turns into clocks anchored at occurrence.
    initial_severity = models.JSONField(default=dict, blank=True)
    figures = models.JSONField(default=dict, blank=True)
    suggested_grade = models.CharField(max_length=3, choices=choices(Grade), null=True, blank=True)
    grade_basis = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey("accounts.User", null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # The number of the last follow-up report (续报) filed on it: the next is numbered from here and the count is
    # raised in the UPDATE the report writes to the incident anyway, under its lock, so numbering never counts
    # the reports. A database default too, so rows written in SQL (the benches' history) need not name it.
    followups = models.PositiveIntegerField(default=0, db_default=0)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["unit", "state"]),
            models.Index(fields=["state", "occurred_at"]),
            # the assessment selects a period's incidents; covering, so no table visit
            models.Index(fields=["occurred_at", "exercise"], name="incident_occurred"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    @property
    def severity(self) -> Severity:
        return Severity(
            grade=Grade(self.grade) if self.grade else None,
            sensitive=self.sensitive,
            may_escalate=self.may_escalate,
            hotspot=self.hotspot,
        )

    @property
    def severity_at_creation(self) -> Severity:
        stored = self.initial_severity or {}
        if not stored:
            return self.severity
        return Severity(
            grade=Grade(stored["grade"]) if stored.get("grade") else None,
            sensitive=bool(stored.get("sensitive")),
            may_escalate=bool(stored.get("may_escalate")),
            hotspot=bool(stored.get("hotspot")),
        )

    @property
    def is_open(self) -> bool:
        return self.state == IncidentState.OPEN


class IncidentGrant(models.Model):
    """Need-to-know for a work-secret incident: one named person beyond the responsible unit and the duty room.

    Rows are never deleted: revoking stamps ``revoked_at``, so who could read what, and when, stays on record.
    """

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="grants")
    user = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="incident_grants")
    reason = models.CharField(max_length=limits.REASON)
    granted_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField()
    revoked_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "user"],
                condition=models.Q(revoked_at__isnull=True),
                name="one_live_grant_per_person",
            ),
        ]
