"""Findings (迟报/漏报/谎报/瞒报 and forbidden channels) with their appeal and decision, and adoptions (采用).

Choice labels are lazily translated, so English pages show "omitted" or "rejected" where Chinese ones show
漏报 or 不成立 (the stored values never change). Lateness (迟报) is scored from the clocks themselves; a 迟报
finding only formalises it, with the unit's right to appeal. A finding belongs to the period of its incident;
only an upheld finding moves a score.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class FindingKind(models.TextChoices):
    # 迟报 as a formal finding: the late clock already scores it, so an upheld one adds no points of its own
    LATE = "late", _("迟报")
    OMITTED = "omitted", _("漏报")
    FALSE = "false", _("谎报")
    CONCEALED = "concealed", _("瞒报")
    FORBIDDEN_CHANNEL = "forbidden_channel", _("违规渠道报送")


#: Kinds a person raises; ``forbidden_channel`` is proposed by the system from the report's own mark.
RAISED_KINDS = (FindingKind.LATE, FindingKind.OMITTED, FindingKind.FALSE, FindingKind.CONCEALED)
#: Kinds that rest on a clock: they may be raised only once that clock has passed its due time.
CLOCK_KINDS = (FindingKind.LATE, FindingKind.OMITTED)


class FindingState(models.TextChoices):
    OPEN = "open", _("待申诉")
    APPEALED = "appealed", _("已申诉")
    UPHELD = "upheld", _("成立")
    REJECTED = "rejected", _("不成立")


class Finding(models.Model):
    incident = models.ForeignKey("incidents.Incident", on_delete=models.PROTECT, related_name="findings")
    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="findings")
    kind = models.CharField(max_length=20, choices=FindingKind.choices)
    state = models.CharField(max_length=10, choices=FindingState.choices, default=FindingState.OPEN)
    evidence = models.TextField()
    # The lead that reached the duty room before the unit's report (evidence of 漏报/瞒报), when lead intake
    # offers one; a plain id so this app does not depend on the leads app.
    lead_id = models.BigIntegerField(null=True, blank=True)
    report = models.OneToOneField(
        "reports.Report", null=True, blank=True, on_delete=models.PROTECT, related_name="finding"
    )
    # The duty room whose assessment it counts in (分级管理): the code of a town's duty room for a finding that
    # room raised against a unit below it; empty for the city's, so rows from before levels read the same.
    room = models.CharField(max_length=64, blank=True, default="", db_default="")
    raised_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField()
    appeal_due_at = models.DateTimeField()
    appeal_text = models.TextField(blank=True)
    appealed_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    appealed_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["unit", "state"]), models.Index(fields=["state", "appeal_due_at"])]

    def __str__(self) -> str:
        return f"finding #{self.pk} {self.kind} {self.unit_id} ({self.state})"


class AdoptionLevel(models.TextChoices):
    SUZHOU = "suzhou", _("苏州市")
    JIANGSU = "jiangsu", _("江苏省")
    STATE_COUNCIL = "state_council", _("国务院")


class Adoption(models.Model):
    """A unit's information about an incident was used (采用) by a higher level."""

    incident = models.ForeignKey("incidents.Incident", on_delete=models.PROTECT, related_name="adoptions")
    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="adoptions")
    by = models.CharField(max_length=20, choices=AdoptionLevel.choices)
    note = models.TextField(blank=True)
    # The duty room whose assessment it counts in: a town's code, or empty for the city's (as on a finding).
    room = models.CharField(max_length=64, blank=True, default="", db_default="")
    recorded_by = models.ForeignKey("accounts.User", null=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "unit", "by"], name="adoption_once_per_level"),
        ]
