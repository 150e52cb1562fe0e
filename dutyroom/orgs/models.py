"""Units (责任主体) as a tree: the duty room, towns, zones, subdistricts, departments, villages, grids."""

from __future__ import annotations

from django.db import models


class UnitKind(models.TextChoices):
    DUTY_ROOM = "duty_room", "市政府值班室"
    TOWN = "town", "镇"
    ZONE = "zone", "区（管委会）"
    SUBDISTRICT = "subdistrict", "街道"
    DEPARTMENT = "department", "部门"
    VILLAGE = "village", "村"
    COMMUNITY = "community", "社区"
    GRID = "grid", "网格"
    CHILD_CITY = "child_city", "下级市（县）"


TERRITORIAL_KINDS = frozenset({UnitKind.TOWN, UnitKind.ZONE, UnitKind.SUBDISTRICT})


class Unit(models.Model):
    """A reporting unit. ``categories`` is its remit: the incident categories it must report."""

    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100, blank=True)
    kind = models.CharField(max_length=20, choices=UnitKind.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    categories = models.JSONField(default=list, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def is_duty_room(self) -> bool:
        return self.kind == UnitKind.DUTY_ROOM

    @property
    def peer_group(self) -> str:
        """Assessment compares territorial units with each other and departments with each other."""
        return "territorial" if self.kind in TERRITORIAL_KINDS else "department"
