"""The obligations (statutory clocks). Reports and verification requests meet them; incidents start them.

They sit on a floor below incidents and reports so that both can use the clocks engine without importing each
other; the foreign keys upward are by name only.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import models
from django.db.models import Q

from dutyroom.common.choices import choices
from dutyroom.rules import ObligationKind, ObligationState

# ``ladder_at`` of a clock whose alert ladder must be (re)planned: new, or its deadline moved. The epoch sorts
# first, so the next ladder pass plans it before anything else.
LADDER_REPLAN = datetime(1970, 1, 1, tzinfo=UTC)


class Obligation(models.Model):
    """A statutory clock: ``unit`` must do ``kind`` by ``due_at``. ``key`` makes planning idempotent."""

    key = models.CharField(max_length=160)  # unique: see Meta (no LIKE index beside it)
    # incident and unit need no index of their own: ``obligation_assessment_cover`` and (unit, state) lead with them,
    # and a flip writes a new entry in every index of the row (the overdue burst: 15 a clock)
    incident = models.ForeignKey(
        "incidents.Incident",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="obligations",
        db_index=False,
    )
    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="obligations", db_index=False)
    # The duty room that receives the clock, confirms its receipt, chases it and asks for its verification: the
    # code of a duty room below the city (a town's), or empty for the city duty room, which is what every row
    # from before duty rooms below the city means (the API answers ``duty-room`` for it).
    owed_to = models.CharField(max_length=64, blank=True, default="", db_default="")
    kind = models.CharField(max_length=20, choices=choices(ObligationKind))
    state = models.CharField(max_length=10, choices=choices(ObligationState), default="pending")
    due_at = models.DateTimeField()
    anchor_at = models.DateTimeField()
    rule = models.CharField(max_length=120)
    met_at = models.DateTimeField(null=True, blank=True)
    met_by = models.ForeignKey("reports.Report", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    late_by_seconds = models.BigIntegerField(null=True, blank=True)
    report = models.ForeignKey(
        "reports.Report", null=True, blank=True, on_delete=models.PROTECT, related_name="receipt_obligations"
    )
    verification_request = models.ForeignKey(
        "reports.VerificationRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="obligations"
    )
    overdue_at = models.DateTimeField(null=True, blank=True)
    waived_reason = models.TextField(blank=True)
    waived_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    waived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    # When the alert ladder next needs to look at this clock (its earliest rung not yet done); NULL once every
    # rung is done. Kept by the ladder (``alerts.ladder``); the engine resets it to LADDER_REPLAN whenever the
    # deadline may have moved. It lets a pass read only the clocks whose rung has come, through an index.
    ladder_at = models.DateTimeField(null=True, blank=True, default=LADDER_REPLAN)

    class Meta:
        # The table keeps the name it had when obligations lived in the reports app (moved without a copy).
        db_table = "reports_obligation"
        ordering = ["due_at", "id"]
        # unique as a constraint, not ``unique=True``: on PostgreSQL that adds a LIKE index nobody queries
        constraints = [models.UniqueConstraint(fields=["key"], name="obligation_key_once")]
        indexes = [
            models.Index(fields=["due_at"], name="obligation_pending_due", condition=Q(state="pending")),
            # the board's "incidents with a clock still running" and its counters: only open clocks are indexed,
            # so the lookup costs the same with ten million settled clocks in the table
            models.Index(
                fields=["incident", "due_at"],
                name="obligation_open_incident",
                condition=Q(state__in=["pending", "overdue"]),
            ),
            # every open clock in due order with its incident, from the index alone: with ten million settled
            # clocks SQLite's planner otherwise preferred scanning a covering index of all of them (0.7-1 s a
            # board at 1,000,000 incidents, `make bench ONLY=scale`); this one it takes, in order, no sort
            models.Index(
                fields=["due_at", "id", "incident"],
                name="obligation_open_due",
                condition=Q(state__in=["pending", "overdue"]),
            ),
            # the board's counters (open clocks, how many overdue) touch only open clocks, among millions settled
            models.Index(fields=["state", "due_at"], name="obligation_state_due"),
            # "迟报 today" on the board: late clocks by the time they were met
            models.Index(fields=["met_at"], name="obligation_late_met", condition=Q(state="late")),
            models.Index(fields=["unit", "state"], name="reports_obl_unit_id_cebc30_idx"),
            # (incident, kind) lookups, and it covers the assessment's yearly GROUP BY: the database
            # answers from the index alone instead of visiting a million table rows. The assessment filters on
            # the duty room a clock is owed to (each level scores its own), so that column is in it too.
            models.Index(
                fields=["incident", "kind", "unit", "owed_to", "state", "late_by_seconds", "due_at"],
                name="obligation_assessment_cover",
            ),
            # the alert ladder's pass: open clocks whose next rung has come, in time order; settled clocks and
            # finished ladders are not in it, so a pass costs the same with 100,000 overdue clocks open
            models.Index(
                fields=["ladder_at"],
                name="obligation_ladder_due",
                condition=Q(state__in=["pending", "overdue"], ladder_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.unit_id} due {self.due_at:%Y-%m-%d %H:%M}"
