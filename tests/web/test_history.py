"""The incident page shows its change history from the audit log, so nobody has to argue about who did what."""

from __future__ import annotations

from django.utils import timezone

from dutyroom.accounts.models import User
from dutyroom.incidents.services import IncidentChanges, incident_update
from tests.web.conftest import incident_make


def test_history_lists_creation_report_and_regrade_with_its_reason(login) -> None:
    incident = incident_make(written=True)
    incident_update(
        actor=User.objects.get(username="duty-officer"),
        incident=incident,
        now=timezone.now(),
        changes=IncidentChanges(set_grade=True, grade="II", reason="死亡人数上升"),
    )
    html = login("shaxi-reporter").get(f"/incidents/{incident.pk}/").content.decode()
    history = html[html.index('id="history"') :]
    # people by the names they are known by, never their login names
    for text in ("变更记录", "创建事件", "收到报告", "修改事件", "死亡人数上升", "值班员", "沙溪镇人民政府 信息员"):
        assert text in history, text
    assert "duty-officer" not in history and "shaxi-reporter" not in history
    assert "Ⅱ级" in history and "Ⅳ级" in history
    assert history.index("创建事件") < history.index("修改事件")  # oldest first


def test_history_shows_the_worker_as_the_system(login) -> None:
    from datetime import timedelta

    from dutyroom.worker.loop import obligations_sweep

    incident = incident_make(minutes_ago=50)
    obligations_sweep(timezone.now() + timedelta(seconds=1))
    html = login("duty-officer").get(f"/incidents/{incident.pk}/").content.decode()
    history = html[html.index('id="history"') :]
    assert "时限超时" in history and "系统" in history


def test_a_corrected_occurrence_time_reads_in_local_time(login) -> None:
    from datetime import timedelta

    incident = incident_make(minutes_ago=10)
    corrected = timezone.now() - timedelta(hours=1)
    incident_update(
        actor=User.objects.get(username="duty-officer"),
        incident=incident,
        now=timezone.now(),
        changes=IncidentChanges(occurred_at=corrected, reason="核实后更正"),
    )
    html = login("duty-officer").get(f"/incidents/{incident.pk}/").content.decode()
    history = html[html.index('id="history"') :]
    at = timezone.localtime(corrected)
    local = f"{at.month}月{at.day}日 {at:%H:%M}"
    assert "事发时间" in history and local in history and "核实后更正" in history


def test_the_overdue_flip_shows_whom_its_alert_reached(login) -> None:
    """The overdue alert is recorded in the flip's own audit entry: the history still says who heard."""
    from dutyroom.obligations.models import Obligation
    from dutyroom.worker.loop import obligations_sweep

    incident = incident_make(minutes_ago=5)
    first = Obligation.objects.filter(incident=incident).order_by("due_at").first()
    assert first is not None
    assert obligations_sweep(first.due_at) >= 1
    html = login("duty-officer").get(f"/incidents/{incident.pk}/").content.decode()
    history = html[html.index('id="history"') :]
    row = history[history.index("时限超时") :][:600]
    assert "超时" in row and "→" in row and "duty-officer" in row and "shaxi-reporter" in row
