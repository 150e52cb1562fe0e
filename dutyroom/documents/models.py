"""Numbered documents kept in the database: numbers are never reused and every issue can be re-printed."""

from __future__ import annotations

from django.db import models


class DocumentCounter(models.Model):
    """The last number given per series and year (〔2026〕第12期). Locked row-wise while a number is taken."""

    series = models.CharField(max_length=32)
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["series", "year"], name="document_counter_series_year")]


class SpecialReport(models.Model):
    """One issue (期) of 值班信息专报 about an incident. Its content is rebuilt from the reports when printed."""

    incident = models.ForeignKey("incidents.Incident", on_delete=models.PROTECT, related_name="special_reports")
    year = models.PositiveIntegerField()
    number = models.PositiveIntegerField()
    signer = models.CharField(max_length=100, blank=True)
    issued_by = models.ForeignKey("accounts.User", null=True, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField()

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["year", "number"], name="special_report_year_number")]

    @property
    def label(self) -> str:
        return f"〔{self.year}〕第{self.number}期"


class DailyReport(models.Model):
    """值班日报 for one local day, kept as generated (its content is a snapshot, not re-queried)."""

    day = models.DateField(unique=True)
    year = models.PositiveIntegerField()
    number = models.PositiveIntegerField()
    content = models.JSONField(default=dict)
    generated_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    generated_at = models.DateTimeField()
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-day"]

    @property
    def label(self) -> str:
        return f"〔{self.year}〕第{self.number}期"
