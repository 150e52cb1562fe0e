"""What the viewer may do on a clock, asked of the same rules the services enforce (``reports.access``).

A duty room below the city (a town's) chases, waives and signs for the clocks owed to it and never for those its
town owes the city; the city's duty room acts on every clock below it but signs only the reports sent to it. A
page that asked "is this the city's duty room?" showed the town nothing and the city buttons that answer 403.
"""

from __future__ import annotations

from typing import Any

from django import template

from dutyroom.reports.access import may_act_on_clock, may_chase, may_sign_receipt

register = template.Library()


@register.filter
def may_chase_clock(user: Any, obligation: Any) -> bool:
    """``{% if user|may_chase_clock:obligation %}``: the 催报 form."""
    return bool(getattr(user, "is_authenticated", False)) and may_chase(user, obligation)


@register.filter
def may_waive_clock(user: Any, obligation: Any) -> bool:
    """``{% if user|may_waive_clock:obligation %}``: the 豁免 form."""
    return bool(getattr(user, "is_authenticated", False)) and may_act_on_clock(user, obligation.owed_to)


@register.filter
def may_sign_clock(user: Any, obligation: Any) -> bool:
    """``{% if user|may_sign_clock:obligation %}``: the 签收 button on a receipt clock."""
    return bool(getattr(user, "is_authenticated", False)) and may_sign_receipt(user, obligation)
