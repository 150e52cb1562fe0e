"""Pages of the web UI (mounted at "" by config/urls.py; the API lives at /api/v1/)."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import include, path

from dutyroom.web.views import actions, board, create, incidents, reports

app_name = "web"

urlpatterns = [
    path("", board.board, name="board"),
    path("board.json", board.board_json_view, name="board-json"),
    path("board/fragment/", board.board_fragment, name="board-fragment"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="web/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(next_page="/login/"), name="logout"),
    path("incidents/new/", create.incident_new, name="incident-new"),
    path("incidents/<int:pk>/", incidents.incident_detail, name="incident"),
    path("incidents/<int:pk>/report/", reports.report_new, name="report-new"),
    path("incidents/<int:pk>/edit/", actions.incident_edit, name="incident-edit"),
    path("incidents/<int:pk>/handled/", actions.incident_handled, name="incident-handled"),
    path("reports/<int:pk>/receipt/", actions.report_confirm, name="report-confirm"),
    path("obligations/<int:pk>/waive/", actions.obligation_waive_view, name="obligation-waive"),
    path("i18n/", include("django.conf.urls.i18n")),
]
