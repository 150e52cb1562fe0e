"""/forwardings/: upward reports waiting for the duty leader's 签发 (待签发), each with how long it has waited.

The board shows the oldest few in its own panel with the same one-press 签发; this page lists them all, and is
where the leader decides, with a reason, to send a work-secret incident's words instead of its stub."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dutyroom.accounts.models import User
from dutyroom.common.clock import now as clock_now
from dutyroom.common.errors import DomainError, Forbidden, NotFound
from dutyroom.interop.models import ForwardingKind
from dutyroom.interop.outbound import forwarding_sign, may_sign
from dutyroom.interop.selectors import awaiting_forwardings, awaiting_views
from dutyroom.web import labels
from dutyroom.web.templatetags.dutyroom_web import clock_text
from dutyroom.web.views.common import actor, forbidden, message_of, not_found

KIND_LABELS = {
    ForwardingKind.INCIDENT: gettext_lazy("事件及报告"),
    ForwardingKind.VERIFICATION_REPLY: gettext_lazy("核报反馈"),
    ForwardingKind.VERIFICATION_REQUEST: gettext_lazy("核实请求"),
}
# Listed on the board; the page lists every one.
BOARD_SHOWN = 10
PAGE_SHOWN = 200


def awaiting_panel(user: User, now: datetime, shown: int = BOARD_SHOWN) -> dict[str, Any]:
    """The 待签发 panel: the oldest ``shown`` awaiting forwardings with their clocks, and how many there are."""
    if not user.is_duty_room:
        return {"items": [], "total": 0, "may_sign": False}
    rows = awaiting_forwardings()
    items = awaiting_views(user, list(rows[:shown]), now)
    for item in items:
        item["kind_label"] = KIND_LABELS.get(item["kind"], item["kind"])
        item["grade_label"] = labels.grade_label(item["grade"])
        item["target_label"] = labels.authority_label(item["target"])
        item["waiting_text"] = clock_text(int((now - item["forwarding"].created_at).total_seconds()))
    return {"items": items, "total": rows.count(), "may_sign": may_sign(user)}


@login_required
def forwardings_awaiting(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    if not user.is_duty_room:
        return forbidden(request, Forbidden("只有值班室可以查看待签发的上报", "only the duty room sees this"))
    panel = awaiting_panel(user, clock_now(), shown=PAGE_SHOWN)
    return render(request, "web/forwardings.html", {"panel": panel})


@require_POST
@login_required
def forwarding_sign_view(request: HttpRequest, pk: int) -> HttpResponse:
    """One press: 签发. From the page, a work-secret incident may go with its content, with a reason."""
    user = actor(request)
    back = reverse("web:board") + "#forwardings" if request.POST.get("next") == "board" else None
    try:
        forwarding_sign(
            actor=user,
            forwarding_id=pk,
            now=clock_now(),
            with_content=request.POST.get("with_content") == "1",
            reason=request.POST.get("reason", "")[:1000],
        )
    except NotFound:
        return not_found(request)
    except Forbidden as error:
        return forbidden(request, error)
    except DomainError as error:
        messages.error(request, message_of(error))
    else:
        messages.success(request, _("已签发，系统将立即上报。"))
    return redirect(back or reverse("web:forwardings") + f"#forwarding-{pk}")
