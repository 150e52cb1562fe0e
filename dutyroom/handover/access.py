"""Who may read and write handovers and the duty log.

The handover and the log are the duty room's own books. The roster's editors (duty officers, duty leaders,
the admin: ``duty.services.ROSTER_EDITORS``) sign, acknowledge and write; the city-wide readers (the same
plus the assessor) may read them, as they read the daily report built from them. Everyone else gets a 403
on the lists and a 404 on a single handover (missing and forbidden look the same).
"""

from __future__ import annotations

from dutyroom.accounts.models import User
from dutyroom.common.errors import Forbidden, NotFound
from dutyroom.duty.services import may_edit_roster
from dutyroom.handover.models import Handover


def may_write(user: User) -> bool:
    return may_edit_roster(user)


def may_read(user: User) -> bool:
    return may_write(user) or user.sees_whole_city


def require_reader(user: User) -> None:
    if not may_read(user):
        raise Forbidden("只有值班室可以查看交接班和值班日志", "only the duty room may read handovers and the duty log")


def require_writer(user: User) -> None:
    if not may_write(user):
        raise Forbidden(
            "只有值班室（值班员、带班领导）或管理员可以交接班和记录值班日志",
            "only the duty room or an admin may sign handovers and write the duty log",
        )


def access_handover(user: User, handover_id: int) -> Handover:
    found = None
    if may_read(user):
        found = (
            Handover.objects.select_related("outgoing", "incoming", "acknowledged_by", "shift")
            .filter(pk=handover_id, room=user.local_duty_room)  # each duty room reads its own book
            .first()
        )
    if found is None:
        raise NotFound("交接班记录")
    return found
