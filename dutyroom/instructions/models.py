"""A leader's instruction on an incident and the task it gives each named unit.

The feedback deadline is an ordinary :class:`~dutyroom.obligations.models.Obligation` (kind
``instruction_feedback``), so the worker turns it overdue, alerts go out, and the clock shows beside the
reporting clocks, exactly like every other deadline.
"""

from __future__ import annotations

from django.db import models


class Instruction(models.Model):
    incident = models.ForeignKey("incidents.Incident", on_delete=models.PROTECT, related_name="instructions")
    leader = models.CharField(max_length=100)  # who gave it, e.g. 王市长 (leaders seldom log in themselves)
    text = models.TextField()
    given_at = models.DateTimeField()
    recorded_by = models.ForeignKey("accounts.User", null=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["given_at", "id"]


class InstructionTask(models.Model):
    instruction = models.ForeignKey(Instruction, on_delete=models.PROTECT, related_name="tasks")
    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="instruction_tasks")
    obligation = models.OneToOneField("obligations.Obligation", on_delete=models.PROTECT, related_name="+")
    due_at = models.DateTimeField()
    feedback = models.TextField(blank=True)
    feedback_at = models.DateTimeField(null=True, blank=True)
    feedback_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["instruction", "unit"], name="instruction_task_unit")]
