"""Template tags for alerts and the roster: the bell's unread count, chase counts per clock, roster gaps."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Count

from dutyroom.alerts.models import Chase, Notification
from dutyroom.common.clock import now as clock_now
from dutyroom.duty.selectors import roster_now

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_count(context: template.Context) -> int:
    request: Any = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    # the phone's menu and the desktop's both show the bell: one count per request
    if not hasattr(request, "_dutyroom_unread"):
        request._dutyroom_unread = Notification.objects.filter(user=user, read_at__isnull=True).count()
    count: int = request._dutyroom_unread
    return count


@register.simple_tag(takes_context=True)
def chase_count(context: template.Context, obligation_id: int) -> int:
    """How often the duty room chased this clock; one query per request, whatever the number of clocks (kept
    on the request: every included template gets a fresh render context)."""
    holder: Any = context.get("request") or context.render_context
    cache: dict[int, int] | None = getattr(holder, "_dutyroom_chase_counts", None)
    if cache is None:
        rows = (
            Chase.objects.filter(obligation__state__in=("pending", "overdue"))
            .values("obligation")
            .annotate(n=Count("id"))
        )
        cache = {row["obligation"]: row["n"] for row in rows}
        holder._dutyroom_chase_counts = cache
    return cache.get(obligation_id, 0)


@register.simple_tag(takes_context=True)
def sound_state(context: template.Context) -> str:
    """ "1" when the signed-in person's stored preference plays the board's cue, "0" when muted: every page
    carries it, so the incident page's countdowns honour the same switch as the board."""
    from dutyroom.alerts.preferences import sound_on

    request: Any = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return "1"
    if not hasattr(request, "_dutyroom_sound"):  # asked by both menus, like the bell
        request._dutyroom_sound = "1" if sound_on(user) else "0"
    state: str = request._dutyroom_sound
    return state


@register.simple_tag(takes_context=True)
def roster_gap(context: template.Context) -> bool:
    """True when no shift covers the present moment (the board says so in red): of the viewer's own duty room
    (a town's duty officer watches the town's roster), else of the city's."""
    user = context.get("user")
    room = getattr(user, "local_duty_room", None) if getattr(user, "is_authenticated", False) else None
    return roster_now(clock_now(), room) is None


@register.filter
def topic_label(value: Any) -> str:
    from dutyroom.web.labels import alert_topic_label

    return alert_topic_label(str(value))


@register.simple_tag(takes_context=True)
def live_token(context: template.Context) -> str:
    """The signed token the board's poll carries instead of the session (views/live.py)."""
    from dutyroom.web.views.live import live_token as make

    request = context.get("request")
    user = getattr(request, "user", None)
    return make(user) if user is not None and user.is_authenticated else ""
