"""``{{ incident|incident_name:request.user }}``: a page names an incident as ``incidents.naming`` decides, so a
work-secret title reaches only the people who may open the incident."""

from __future__ import annotations

from typing import Any

from django import template

from dutyroom.accounts.models import User
from dutyroom.incidents.naming import incident_name as name_for

register = template.Library()


@register.filter
def incident_name(incident: Any, viewer: Any) -> str:
    person = viewer if isinstance(viewer, User) and viewer.is_authenticated else None
    return name_for(incident, person)
