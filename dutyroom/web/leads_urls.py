"""Lead pages, included under /leads/ by ``dutyroom/web/urls.py`` (inside the ``web`` namespace)."""

from __future__ import annotations

from django.urls import path

from dutyroom.web.views import incident_leads, lead_confirm, leads, opinion
from dutyroom.web.views.common import chinese_first as zh

urlpatterns = [
    path("", zh(leads.lead_list), name="leads"),
    path("new/", zh(leads.lead_new), name="lead-new"),
    path("<int:pk>/", zh(leads.lead_detail), name="lead"),
    path("<int:pk>/confirm-new/", zh(lead_confirm.lead_confirm_new), name="lead-confirm-new"),
    path("photos/<int:pk>/", leads.lead_photo, name="lead-photo"),
    path("duplicates/<int:pk>/decision/", zh(leads.lead_duplicate_decision), name="lead-duplicate-decision"),
    path("watch/", zh(leads.watch_terms), name="watch-terms"),
    path("opinion/", zh(opinion.opinion_desk), name="opinion"),
    path("opinion/warnings/<int:pk>/", zh(opinion.warning_action), name="warning-action"),
    path("opinion/report/", zh(opinion.opinion_report), name="opinion-report"),
    path(
        "incident-duplicates/<int:pk>/decision/",
        zh(incident_leads.incident_duplicate_decision),
        name="incident-duplicate-decision",
    ),
]
