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
    ENTERPRISE = "enterprise", "企业"
    STATION = "station", "站所"


TERRITORIAL_KINDS = frozenset({UnitKind.TOWN, UnitKind.ZONE, UnitKind.SUBDISTRICT})
# Units below a town, zone or department: they report to the nearest duty room above them (分级管理).
LOCAL_KINDS = frozenset({UnitKind.VILLAGE, UnitKind.COMMUNITY, UnitKind.GRID, UnitKind.ENTERPRISE, UnitKind.STATION})
#: The city duty room's code as the API names it where a duty room is meant (``owed_to``, ``reports_to``).
CITY_DUTY_ROOM = "duty-room"


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
    # The unit runs a duty room for the units below it: their reports go to it first, and its duty officers
    # have for that subtree what the city duty room has for the city. The city's own duty room is its kind.
    duty_room = models.BooleanField(default=False, db_default=False)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def is_duty_room(self) -> bool:
        return self.kind == UnitKind.DUTY_ROOM

    @property
    def runs_local_duty_room(self) -> bool:
        """A duty room below the city (a town's emergency office, 镇应急办)."""
        return self.duty_room and self.kind != UnitKind.DUTY_ROOM

    @property
    def peer_group(self) -> str:
        """Assessment compares territorial units with each other and departments with each other."""
        return "territorial" if self.kind in TERRITORIAL_KINDS else "department"


class UnitRules(models.Model):
    """One version of the rules a unit sets for the units below it (改进办法): clock limits that may only tighten.

    Rows are never changed: a new setting is a new version, so an incident opened earlier is still judged under
    the version in force when it was opened (``rules.overlay.overlays_at``)."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="rules_versions")
    version = models.PositiveIntegerField()
    within_minutes = models.JSONField(default=dict)
    set_at = models.DateTimeField()
    set_by = models.CharField(max_length=150)  # the user's name: orgs sits below accounts

    class Meta:
        ordering = ["unit_id", "version"]
        constraints = [models.UniqueConstraint(fields=["unit", "version"], name="unit_rules_version_once")]

    def __str__(self) -> str:
        return f"{self.unit_id} rules v{self.version}"
