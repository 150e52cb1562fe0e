"""Input limits, one place: the API schemas, the web forms, the services and the models all read these.

A limit written twice drifts (the foundation had them in models, schemas and two services); a change here
changes every door at once. Column sizes follow the same constants, so no door accepts what the table cannot hold.
"""

from __future__ import annotations

from decimal import Decimal

TITLE = 200
SUBTYPE = 40
ADDRESS = 300
UNIT_CODE = 64
SUMMARY = 20_000
MEASURES = 10_000
TREND = 5_000
SIGNER = 100
CONTACT_NAME = 100
CONTACT_PHONE = 40
REASON = 2_000
QUESTION = 5_000
# people counts in a report (deaths, injuries, evacuated …): far above any real incident, far below overflow
COUNT_MAX = 10_000_000
# direct economic loss in yuan with fen: 14 significant digits (just under one trillion yuan) round-trip exactly
# through SQLite's REAL (15 safe digits) and PostgreSQL's numeric; model, schema, form and service read these
LOSS_CNY_DIGITS = 14
LOSS_CNY_PLACES = 2
LOSS_CNY_MAX = Decimal("999999999999.99")

# the free-text fields of a report body and their limits, in the order forms show them
REPORT_TEXT: dict[str, int] = {
    "summary": SUMMARY,
    "measures": MEASURES,
    "trend": TREND,
    "signer": SIGNER,
    "contact_name": CONTACT_NAME,
    "contact_phone": CONTACT_PHONE,
}
