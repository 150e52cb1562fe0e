"""People and API tokens. A user belongs to one unit and has one role; scope follows the unit."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models

from dutyroom.orgs.models import Unit


class Role(models.TextChoices):
    DUTY_OFFICER = "duty_officer", "值班员"
    DUTY_LEADER = "duty_leader", "带班领导"
    UNIT_REPORTER = "unit_reporter", "信息员（单位）"
    UNIT_LEADER = "unit_leader", "签发人（单位领导）"
    INFORMANT = "informant", "网格员/信息员"
    VERIFIER = "verifier", "核实人员"
    ASSESSOR = "assessor", "考评人员"
    ADMIN = "admin", "系统管理员"
    VIEWER = "viewer", "只读"


DUTY_ROOM_ROLES = frozenset({Role.DUTY_OFFICER, Role.DUTY_LEADER})
CITY_WIDE_READ_ROLES = frozenset({Role.DUTY_OFFICER, Role.DUTY_LEADER, Role.ASSESSOR, Role.ADMIN})


class User(AbstractUser):
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.VIEWER)
    unit = models.ForeignKey("orgs.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="users")
    display_name = models.CharField(max_length=100, blank=True)
    phone = models.CharField(max_length=40, blank=True)

    @property
    def is_duty_room(self) -> bool:
        """Duty officers and duty leaders act for the city duty room, unless their unit runs a duty room of its
        own below the city (a town's): then they act for that one, over its subtree (``local_duty_room``)."""
        return self.role in DUTY_ROOM_ROLES and self.local_duty_room is None

    @property
    def sees_whole_city(self) -> bool:
        return self.role in CITY_WIDE_READ_ROLES and self.local_duty_room is None

    @property
    def local_duty_room(self) -> Unit | None:
        """The duty room below the city this user staffs (its duty officer or duty leader), or None."""
        if self.role not in DUTY_ROOM_ROLES or self.unit_id is None:
            return None
        unit = self.unit
        return unit if unit is not None and unit.runs_local_duty_room else None

    @property
    def label(self) -> str:
        return self.display_name or self.username


class ApiToken(models.Model):
    """A bearer token; only its SHA-256 is stored, so a database leak reveals no usable token."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"
