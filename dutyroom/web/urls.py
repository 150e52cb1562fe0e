"""Pages of the web UI (mounted at "" by config/urls.py; the API lives at /api/v1/).

Every page is wrapped in ``chinese_first``: Chinese unless the user picked a language with
``/i18n/setlang/`` (Django's ``set_language``), whatever the browser's Accept-Language says.
"""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import include, path

from dutyroom.web.views import (
    actions,
    alerts,
    assessment,
    assessment_forms,
    board,
    create,
    documents,
    forwardings,
    handover,
    incident_list,
    incidents,
    instructions,
    leader,
    live,
    otp,
    password,
    preferences,
    reports,
    units,
    verification,
)
from dutyroom.web.views.common import chinese_first as zh

app_name = "web"

login_view = auth_views.LoginView.as_view(template_name="web/login.html", redirect_authenticated_user=True)

urlpatterns = [
    path("", zh(board.board), name="board"),
    path("board.json", zh(board.board_json_view), name="board-json"),
    path("board/fragment/", zh(board.board_fragment), name="board-fragment"),
    path("leader/", zh(leader.leader_page), name="leader"),
    path("forwardings/", zh(forwardings.forwardings_awaiting), name="forwardings"),
    path("forwardings/<int:pk>/sign/", zh(forwardings.forwarding_sign_view), name="forwarding-sign"),
    path("login/", zh(login_view), name="login"),
    path("logout/", auth_views.LogoutView.as_view(next_page="/login/"), name="logout"),
    path("incidents/", zh(incident_list.incident_list), name="incident-list"),
    path("incidents/pick.json", zh(incident_list.incident_pick), name="incident-pick"),
    path("incidents/new/", zh(create.incident_new), name="incident-new"),
    path("incidents/<int:pk>/", zh(incidents.incident_detail), name="incident"),
    path("incidents/<int:pk>/report/", zh(reports.report_new), name="report-new"),
    path("incidents/<int:pk>/edit/", zh(actions.incident_edit), name="incident-edit"),
    path("incidents/<int:pk>/handled/", zh(actions.incident_handled), name="incident-handled"),
    path("receipts/confirm/", zh(actions.receipts_confirm), name="receipts-confirm"),
    path("reports/<int:pk>/receipt/", zh(actions.report_confirm), name="report-confirm"),
    path("obligations/<int:pk>/waive/", zh(actions.obligation_waive_view), name="obligation-waive"),
    path("verification-requests/", zh(verification.verification_list), name="verification-list"),
    path("verification-requests/new/", zh(verification.verification_new), name="verification-new"),
    path("verification-requests/<int:pk>/reply/", zh(verification.verification_reply), name="verification-reply"),
    path("leads/", include("dutyroom.web.leads_urls")),
    path("incidents/<int:pk>/special-report.<str:fmt>", zh(documents.special_report_download), name="special-report"),
    path("incidents/<int:pk>/cap.xml", zh(documents.cap_download), name="incident-cap"),
    path("daily-reports/", zh(documents.daily_report_list), name="daily-reports"),
    path("daily-reports/new/", zh(documents.daily_report_make), name="daily-report-make"),
    path("daily-reports/<int:pk>.<str:fmt>", zh(documents.daily_report_download), name="daily-report-file"),
    path("incidents/<int:pk>/instructions/", zh(instructions.instruction_new), name="instruction-new"),
    path("instruction-tasks/<int:pk>/feedback/", zh(instructions.instruction_answer), name="instruction-feedback"),
    path("instruction-tasks/", zh(instructions.unit_tasks_page), name="instruction-tasks"),
    path("assessment/", zh(assessment.assessment_page), name="assessment"),
    path("assessment/units/<slug:code>/", zh(assessment.unit_page), name="assessment-unit"),
    path("assessment/notice.<str:fmt>", zh(assessment.notice_view), name="assessment-notice"),
    path("findings/", zh(assessment.findings_page), name="findings"),
    path("findings/<int:pk>/", zh(assessment.finding_page), name="finding"),
    path("findings/new/", zh(assessment_forms.finding_new), name="finding-new"),
    path("adoptions/new/", zh(assessment_forms.adoption_new), name="adoption-new"),
    path("findings/evidence/<int:pk>/dismiss/", zh(assessment_forms.evidence_dismiss), name="evidence-dismiss"),
    path("otp/", zh(otp.otp_verify), name="otp"),
    path("otp/qr.svg", otp.otp_qr, name="otp-qr"),
    path("board/version", live.board_version, name="board-version"),
    path("notifications/", zh(alerts.notifications_page), name="notifications"),
    path("notifications/read-all/", zh(alerts.notifications_read_all), name="notifications-read-all"),
    path("notifications/<int:pk>/read/", zh(alerts.notification_read), name="notification-read"),
    path("obligations/<int:pk>/chase/", zh(alerts.obligation_chase), name="obligation-chase"),
    path("roster/", zh(alerts.roster_page), name="roster"),
    path("units/", zh(units.units_page), name="units"),
    path("units/<str:code>/", zh(units.unit_edit), name="unit-edit"),
    path("deliveries/", zh(alerts.deliveries_page), name="deliveries"),
    path("handover/", zh(handover.handover_page), name="handover"),
    path("duty-log/", zh(handover.duty_log_page), name="duty-log"),
    path("me/alerts/", zh(preferences.my_alerts), name="my-alerts"),
    path("me/alerts/sound/", zh(preferences.sound_set), name="alert-sound"),
    path("me/password/", zh(password.password_change), name="password-change"),
    path("units/<slug:code>/alerts/", zh(preferences.unit_alerts), name="unit-alerts"),
    path("i18n/", include("django.conf.urls.i18n")),
]
