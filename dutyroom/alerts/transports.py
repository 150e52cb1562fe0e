"""The three ways an alert leaves the system. Each send is plain network I/O with no database access, so
the worker runs several in threads; each returns an ``Outcome`` and never raises.

Every message carries its delivery id (webhook header, e-mail Message-ID and header, SMS field): a retry
after a crash resends the same id, and receivers keep each id once ("at least once, shown once").
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import urllib.parse
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from dutyroom.common import http

log = logging.getLogger("dutyroom.alerts")


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status: str
    error: str = ""


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _post(url: str, body: bytes, headers: dict[str, str]) -> Outcome:
    """POST through the one outbound client (its address policy; a redirect is a failure, never followed)."""
    try:
        response = http.fetch(
            "POST", url, body=body, headers=headers, timeout=settings.DUTYROOM_DELIVERY_TIMEOUT, max_bytes=64 * 1024
        )
    except http.HttpError as error:
        return Outcome(False, error.status, str(error)[:500])
    if response.ok:
        return Outcome(True, f"http {response.status}")
    return Outcome(False, f"http {response.status}")


def send_webhook(url: str, secret: str, body: bytes, topic: str, delivery_id: str) -> Outcome:
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "DutyRoom-Webhook/1",
        "X-DutyRoom-Event": topic,
        "X-DutyRoom-Delivery": delivery_id,
        "X-DutyRoom-Signature": signature(secret, body),
    }
    return _post(url, body, headers)


def send_email(to: str, subject: str, text: str, delivery_id: str) -> Outcome:
    message = EmailMessage(
        subject=subject,
        body=text,
        to=[to],
        headers={"Message-ID": f"<{delivery_id}@dutyroom>", "X-DutyRoom-Delivery": delivery_id},
    )
    try:
        sent = get_connection(fail_silently=False).send_messages([message])
    except (OSError, Exception) as error:  # smtplib's errors are OSError subclasses or SMTPException
        return Outcome(False, "error", f"{type(error).__name__}: {error}"[:500])
    return Outcome(bool(sent), "sent" if sent else "error", "" if sent else "backend sent nothing")


def send_sms(phone: str, text: str, delivery_id: str) -> Outcome:
    """A generic HTTP SMS gateway: URL (may contain {phone}), an auth header, JSON or form body."""
    url = settings.DUTYROOM_SMS_URL
    if not url:
        log.info("SMS to %s [%s]: %s", phone, delivery_id, text)  # the console gateway of the default set-up
        return Outcome(True, "console")
    fields = {"phone": phone, "text": text, "id": delivery_id}
    headers = {"X-DutyRoom-Delivery": delivery_id}
    if settings.DUTYROOM_SMS_FORMAT == "form":
        body = urllib.parse.urlencode(fields).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
    else:
        body = json.dumps(fields, ensure_ascii=False).encode()
        headers["Content-Type"] = "application/json; charset=utf-8"
    if ":" in settings.DUTYROOM_SMS_AUTH_HEADER:
        name, value = settings.DUTYROOM_SMS_AUTH_HEADER.split(":", 1)
        headers[name.strip()] = value.strip()
    return _post(url.replace("{phone}", urllib.parse.quote(phone)), body, headers)
