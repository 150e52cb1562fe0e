"""Creating users: the command line and the demo loader both come through here."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from dutyroom.accounts.models import Role, User
from dutyroom.audit.services import audit_record
from dutyroom.common.errors import Conflict
from dutyroom.common.validation import Errors
from dutyroom.orgs.selectors import unit_for_code


def user_add(*, username: str, role: str, unit_code: str, password: str | None, now: datetime,
             display_name: str = "", actor: User | None = None, password_hash: str | None = None) -> User:
    """Create a user. ``password_hash`` (an already-hashed password) lets a loader that creates many users with
    one password pay for one argon2 hash instead of one each."""
    errors = Errors()
    if not username or len(username) > 150:
        errors.add("name", "用户名不能为空且不超过 150 个字符", "name is required (max 150 characters)")
    if role not in Role.values:
        errors.add("role", f"未知角色 {role}，可选：{', '.join(Role.values)}",
                   f"unknown role {role}; choose one of {', '.join(Role.values)}")
    unit = unit_for_code(unit_code, errors)
    if password is not None and len(password) < 8:
        errors.add("password", "密码至少 8 位", "password must be at least 8 characters")
    errors.raise_if_any()
    with transaction.atomic():
        if User.objects.filter(username=username).exists():
            raise Conflict(f"用户 {username} 已存在", f"user {username} already exists")
        user = User(username=username, role=role, unit=unit, display_name=display_name or username)
        if password_hash:
            user.password = password_hash
        elif password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        audit_record(actor=actor, action="user.add", object_type="user", object_id=user.pk, at=now,
                     unit_code=unit_code, data={"username": username, "role": role})
    return user
