"""The alerts package's periodic steps, called by the worker loop after each deadline sweep."""

from __future__ import annotations

from datetime import datetime

from dutyroom.alerts.fanout import outbox_fanout
from dutyroom.alerts.ladder import ladder_pass
from dutyroom.common.memo import pass_memo
from dutyroom.obligations.selectors import ladder_first_at


def alerts_job(now: datetime) -> datetime | None:
    """Route new outbox events to people (this is the outbox's in-app delivery) and fire due ladder rungs.
    E-mail, SMS and webhooks leave from ``delivery.delivery_loop`` in its own thread.

    Returns ``now`` while a batch was full (a burst: run again at once), else when the next rung of any clock is
    due, so the worker wakes for it on time instead of polling."""
    with pass_memo():  # one read of the roster, the units' staff, webhooks and preferences per pass
        _routed, fanout_more = outbox_fanout(now)
        _sent, more = ladder_pass(now)
    if more or fanout_more:
        return now
    return ladder_first_at()
