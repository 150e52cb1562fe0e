"""Who may see and do what with reports, obligations and verification requests.

Permission-checked reads answer NotFound for missing or forbidden alike; ``may_*`` answer the questions the
views and the API ask to show an action, with the same rule the services enforce through ``require_*``.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from dutyroom.accounts.models import User
from dutyroom.common.errors import Forbidden, NotFound
from dutyroom.incidents.access import may_report, user_area_in, visible_incidents
from dutyroom.obligations.models import Obligation
from dutyroom.orgs.models import CITY_DUTY_ROOM
from dutyroom.reports.models import Report, VerificationRequest
from dutyroom.rules import ObligationKind


def visible_obligations(user: User) -> QuerySet[Obligation]:
    qs = Obligation.objects.select_related("unit", "incident")
    if user.is_duty_room:
        return qs
    # each clock's incident looked up by its key (EXISTS), never the list of every incident the user may see: a
    # town's duty room may see years of its villages' incidents, and the board asks only about open clocks
    scope = Q(Exists(visible_incidents(user).filter(pk=OuterRef("incident_id"))))
    if user.unit is not None:
        scope |= Q(incident__isnull=True, unit_id__in=user_area_in(user))
        # a leader's instruction tasks the unit whatever the incident's own unit: its feedback clock is its own
        scope |= Q(kind=ObligationKind.INSTRUCTION_FEEDBACK, unit_id=user.unit_id)
    return qs.filter(scope)


def access_obligation(user: User, obligation_id: int) -> Obligation:
    obligation = visible_obligations(user).filter(pk=obligation_id).first()
    if obligation is None:
        raise NotFound("时限")
    return obligation


def visible_verification_requests(user: User) -> QuerySet[VerificationRequest]:
    """The duty room sees every request; others see requests about incidents they may see (so a work-secret
    incident's question text never reaches an assessor), plus those addressed to their own unit, which must
    answer them whatever the incident's classification (the duty room chose to ask that unit)."""
    qs = VerificationRequest.objects.select_related("unit", "incident")
    if user.is_duty_room:
        return qs
    about_visible = Q(incident__isnull=True) | Q(incident_id__in=visible_incidents(user).values("id"))
    if user.sees_whole_city:
        return qs.filter(about_visible)
    if user.unit is None:
        return qs.none()
    asked = Q(unit_id=user.unit_id) if may_report(user) else Q(pk__in=[])  # those who must answer
    return qs.filter(Q(unit_id__in=user_area_in(user)) & (about_visible | asked))


def access_verification_request(user: User, request_id: int) -> VerificationRequest:
    found = visible_verification_requests(user).filter(pk=request_id).first()
    if found is None:
        raise NotFound("核实请求")
    return found


def access_report(user: User, report_id: int) -> Report:
    report = Report.objects.select_related("incident", "unit").filter(pk=report_id).first()
    if report is None:
        raise NotFound("报告")
    if report.incident_id is None:  # a reply about no incident: visible with the request it answers
        visible = visible_verification_requests(user).filter(replies=report).exists()
    else:
        visible = visible_incidents(user).filter(pk=report.incident_id).exists()
    if not visible:
        raise NotFound("报告")
    return report


def require_may_submit(user: User) -> None:
    if not may_report(user):
        raise Forbidden("当前角色不能报送事件信息", "this role cannot submit reports")


def may_reply(user: User, request: VerificationRequest) -> bool:
    """The asked unit's own reporters and leaders see the reply form."""
    return may_report(user) and not user.is_duty_room and user.unit_id == request.unit_id


def require_may_reply(user: User, request: VerificationRequest) -> None:
    """The asked unit replies; the duty room may also log a reply it received by phone on the unit's behalf."""
    if not may_report(user) or not (user.is_duty_room or user.unit_id == request.unit_id):
        raise Forbidden("只有被核实单位可以反馈", "only the unit asked may reply")


def may_act_as_duty_room(user: User, owed_to: str) -> bool:
    """Whether the user staffs the duty room ``owed_to`` names (an obligation's; empty for the city's)."""
    if not owed_to or owed_to == CITY_DUTY_ROOM:
        return user.is_duty_room
    local = user.local_duty_room
    return local is not None and local.code == owed_to


def staffed_room(user: User) -> str | None:
    """The duty room the user acts for, named as an obligation's ``owed_to`` names it: empty for the city's, a
    unit code for a duty room below the city (a town's); None: the user staffs none."""
    if user.is_duty_room:
        return ""
    local = user.local_duty_room
    return local.code if local is not None else None


def may_chase(user: User, obligation: Obligation) -> bool:
    """催报: whoever may act on the clock (``may_act_on_clock``), never on a receipt — that one is the duty room's
    own, there is no unit to chase."""
    return obligation.kind != ObligationKind.RECEIPT and may_act_on_clock(user, obligation.owed_to)


def may_sign_receipt(user: User, obligation: Obligation) -> bool:
    """签收 from a receipt clock: the duty room the report went to (the clock's ``owed_to``)."""
    return (
        obligation.kind == ObligationKind.RECEIPT
        and obligation.report_id is not None
        and may_act_as_duty_room(user, obligation.owed_to)
    )


def may_ask_verification(user: User) -> bool:
    """The city duty room asks any unit; a duty room below the city asks the units below it (核报)."""
    return staffed_room(user) is not None


def receipt_owed_to(report: Report) -> str:
    """Which duty room confirms this report: its receipt clock's ``owed_to`` (empty: the city's)."""
    found = (
        Obligation.objects.filter(report_id=report.pk, kind=ObligationKind.RECEIPT)
        .values_list("owed_to", flat=True)
        .first()
    )
    return found or ""


def may_confirm_receipt(user: User, report: Report) -> bool:
    """The duty room the report went to signs for it: the town's for its villages, the city's for the towns."""
    return may_act_as_duty_room(user, receipt_owed_to(report))


def require_may_confirm_receipt(user: User, report: Report) -> None:
    if not may_confirm_receipt(user, report):
        raise Forbidden("只有接收该报告的值班室可以签收", "only the duty room the report went to confirms receipt")


def may_act_on_clock(user: User, owed_to: str) -> bool:
    """Chase or waive a clock: the city duty room, over every clock below it, or the duty room below the city
    that the clock is owed to (a town's, over its villages' clocks)."""
    return user.is_duty_room or (bool(owed_to) and may_act_as_duty_room(user, owed_to))
