"""Input limits of handover and the duty log, read by the models, the API schemas, the forms and the services.

They live here rather than in ``common.limits`` because nothing below this floor needs them; the rule is the
same: one constant per field, so no door accepts what the column cannot hold.
"""

from __future__ import annotations

HANDOVER_NOTE = 5_000
ACK_NOTE = 2_000
LOG_TEXT = 2_000
USERNAME = 150
#: open items kept per kind in one handover: far above a real shift, bounded so a snapshot stays small
ITEMS_PER_KIND = 500
#: system events shown in one day of the duty log (a burst of a hundred thousand clocks must not flood the page)
SYSTEM_EVENTS_PER_DAY = 2_000
