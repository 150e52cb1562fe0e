"""Audit verification and who-am-I."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from dutyroom.accounts.models import Role
from dutyroom.api.outputs import AuditVerifyOut, MeOut
from dutyroom.api.routes.common import caller
from dutyroom.audit.services import audit_verify
from dutyroom.common.errors import Forbidden

router = Router(tags=["system"])


@router.get("/audit/verify", response=AuditVerifyOut)
def verify_audit(request: HttpRequest) -> Any:
    """Walk the hash chain (admin only): ``ok``, ``entries``, ``first_bad``."""
    if caller(request).role != Role.ADMIN:
        raise Forbidden("只有系统管理员可以校验审计链", "only an admin may verify the audit chain")
    result = audit_verify()
    return {"ok": result.ok, "entries": result.entries, "first_bad": result.first_bad, "reason": result.reason or None}


@router.get("/me", response=MeOut)
def me(request: HttpRequest) -> Any:
    user = caller(request)
    return {"username": user.username, "role": user.role, "unit": user.unit.code if user.unit else None}
