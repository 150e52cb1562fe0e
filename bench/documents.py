"""Group `documents`: what a 专报, a CAP export and an upward forwarding cost, against bare baselines.

- special_docx_ms / special_pdf_ms: median time to render one 值班信息专报 (an incident with a first report,
  BENCH_FOLLOWUPS follow-ups (default 5) and a final) as Word and as PDF; baseline = building its content
  from the database (the queries), so the ratio is what layout costs on top.
- cap_export_per_s and cap_validate_ratio: CAP 1.2 exports per second, and export + OASIS schema validation
  over export alone.
- forward_body_ms: building one forwarding body (the incident and its chain) for the level above.
BENCH_N repetitions of each (default 20).
"""

from __future__ import annotations

import os
import statistics
import time
from datetime import UTC, datetime, timedelta

from figures import Figure, figure, run_per_database

N = int(os.environ.get("BENCH_N", "20"))
FOLLOWUPS = int(os.environ.get("BENCH_FOLLOWUPS", "5"))


def _median_ms(action, n: int = N) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(n):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 2)


def _incident():  # type: ignore[no-untyped-def]
    from dutyroom.accounts.models import User
    from dutyroom.incidents.services import IncidentInput
    from dutyroom.reports.intake import incident_create_with_report
    from dutyroom.reports.services import ReportInput, report_submit

    reporter, now = User.objects.get(username="shaxi-reporter"), datetime.now(UTC)
    incident = incident_create_with_report(
        actor=reporter,
        now=now,
        report=ReportInput(kind="written", summary="储罐爆炸起火。" * 20, casualties={"deaths": 3}),
        data=IncidentInput(
            title="沙溪镇化工厂爆炸",
            category="accident",
            subtype="hazardous_chemicals",
            grade="III",
            occurred_at=now - timedelta(minutes=30),
        ),
    )
    for n in range(FOLLOWUPS):
        report_submit(
            actor=reporter,
            incident=incident,
            now=datetime.now(UTC),
            data=ReportInput(kind="followup", summary=f"续报{n}：搜救继续。" * 10),
        )
    report_submit(
        actor=reporter,
        incident=incident,
        now=datetime.now(UTC),
        data=ReportInput(kind="final", summary="善后完毕。" * 20),
    )
    return incident


def measure(db: str) -> list[Figure]:
    from dutyroom.accounts.models import User
    from dutyroom.documents.docx_render import docx_bytes
    from dutyroom.documents.pdf_render import pdf_bytes
    from dutyroom.documents.services import special_report_issue
    from dutyroom.documents.special import special_report_document
    from dutyroom.interop.cap import cap_alert, cap_errors
    from dutyroom.interop.exports import cap_source
    from dutyroom.interop.models import Forwarding
    from dutyroom.interop.outbound import forwarding_body

    incident = _incident()
    issue = special_report_issue(
        actor=User.objects.get(username="duty-leader"), incident=incident, signer=None, now=datetime.now(UTC)
    )
    content = _median_ms(lambda: special_report_document(issue))
    document = special_report_document(issue)
    docx = _median_ms(lambda: docx_bytes(document))
    pdf_bytes(document)  # warm fonts once
    pdf = _median_ms(lambda: pdf_bytes(document), max(3, N // 4))
    source = cap_source(incident)
    cap_errors(cap_alert(source))  # warm the schema and the rulebook cache
    export = _median_ms(lambda: cap_alert(cap_source(incident)))
    validated = _median_ms(lambda: cap_errors(cap_alert(cap_source(incident))))
    forwarding = Forwarding(
        kind="incident",
        incident=incident,
        target="parent",
        next_attempt_at=datetime.now(UTC),
        created_at=datetime.now(UTC),
    )
    body = _median_ms(lambda: forwarding_body(forwarding))
    assert cap_errors(cap_alert(source)) == []
    return [
        figure("special_content_ms", content, "ms", db=db),
        figure("special_docx_ms", docx, "ms", baseline=content, db=db),
        figure("special_pdf_ms", pdf, "ms", baseline=content, db=db),
        figure("cap_export_per_s", round(1000 / export, 1), "1/s", db=db),
        figure("cap_validate_ratio", round(validated / export, 2), "x", db=db),
        figure("forward_body_ms", body, "ms", db=db),
    ]


if __name__ == "__main__":
    run_per_database("documents", measure)
