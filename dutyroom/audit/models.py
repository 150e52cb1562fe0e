"""Append-only, hash-chained audit log. Rows are never updated or deleted through the ORM (``save``/``delete``
refuse), except that the sealer fills in a pending entry's place in the chain exactly once."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q


class AuditHead(models.Model):
    """One row that sealers (and inline writers on PostgreSQL) lock so the chain never forks. It holds nothing:
    the chain's tip is its last sealed entry, so a writer never has to update a second row beside its entry."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)


class AuditEntry(models.Model):
    """One recorded change. ``seq``, ``prev_hash`` and ``hash`` are empty while the entry is *pending*: written
    by its change's transaction but not yet sealed into the chain (deferred mode, see ``audit.services``)."""

    seq = models.BigIntegerField(unique=True, null=True, blank=True)
    at = models.DateTimeField()
    actor = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor_label = models.CharField(max_length=150)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=40)
    incident_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    unit_code = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, null=True, blank=True)  # unique: see Meta (no LIKE index beside it)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["hash"], name="audit_hash_once")]
        indexes = [
            models.Index(fields=["id"], condition=Q(seq__isnull=True), name="audit_pending"),
            models.Index(fields=["at"], name="audit_at"),  # the duty log reads a day's events
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise RuntimeError("audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("audit entries are append-only")

    @property
    def sealed(self) -> bool:
        return self.seq is not None
