"""Creating users: the command line and the demo loader both come through here."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from dutyroom.accounts.models import Role, User
from dutyroom.audit.services import audit_record
from dutyroom.common.errors import Conflict, NotFound, ValidationFailed
from dutyroom.common.validation import Errors
from dutyroom.orgs.selectors import unit_for_code


def user_add(
    *,
    username: str,
    role: str,
    unit_code: str,
    password: str | None,
    now: datetime,
    display_name: str = "",
    actor: User | None = None,
    password_hash: str | None = None,
) -> User:
    """Create a user. ``password_hash`` (an already-hashed password) lets a loader that creates many users with
    one password pay for one argon2 hash instead of one each."""
    errors = Errors()
    if not username or len(username) > 150:
        errors.add("name", "用户名不能为空且不超过 150 个字符", "name is required (max 150 characters)")
    if role not in Role.values:
        errors.add(
            "role",
            f"未知角色 {role}，可选：{', '.join(Role.values)}",
            f"unknown role {role}; choose one of {', '.join(Role.values)}",
        )
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
        audit_record(
            actor=actor,
            action="user.add",
            object_type="user",
            object_id=user.pk,
            at=now,
            unit_code=unit_code,
            data={"username": username, "role": role},
        )
    return user


def user_set_password(*, username: str, password: str, now: datetime, actor: User | None = None) -> User:
    """An administrator sets (resets) a password. The user's open sessions end with it: Django checks each
    session's password hash on every request."""
    user = User.objects.filter(username=username).first()
    if user is None:
        raise NotFound("用户")
    if len(password) < 8:
        raise ValidationFailed.one("password", "密码至少 8 位", "password must be at least 8 characters")
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit_record(
            actor=actor,
            action="user.password",
            object_type="user",
            object_id=user.pk,
            at=now,
            unit_code=user.unit.code if user.unit else "",
            data={"username": username},
        )
    return user


def user_change_own_password(*, user: User, current: str, new: str, now: datetime) -> User:
    """A person changes their own password: the current one first (a session left open is not enough), the new
    one under the same policy as everywhere (at least 8 characters and Django's validators), not the old one.
    Every other session of the person ends with it (Django checks each session's password hash); the caller
    keeps the session that made the change."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    if not user.check_password(current):
        raise ValidationFailed.one("current", "当前密码不正确", "the current password is wrong")
    errors = Errors()
    if len(new) < 8:
        errors.add("new", "密码至少 8 位", "password must be at least 8 characters")
    elif new == current:
        errors.add("new", "新密码不能与当前密码相同", "the new password must differ from the current one")
    else:
        try:
            validate_password(new, user)
        except ValidationError as error:
            errors.add("new", "；".join(error.messages), "; ".join(error.messages))
    errors.raise_if_any()
    with transaction.atomic():
        user.set_password(new)
        user.save(update_fields=["password"])
        audit_record(
            actor=user,
            action="user.password",
            object_type="user",
            object_id=user.pk,
            at=now,
            unit_code=user.unit.code if user.unit else "",
            data={"username": user.username, "self": True},
        )
    return user


def user_unlock(*, username: str, now: datetime, actor: User | None = None) -> int:
    """Lift a login lock-out (django-axes) before its cool-off ends; returns the attempt records cleared."""
    from axes.utils import reset

    with transaction.atomic():
        cleared = int(reset(username=username))
        audit_record(
            actor=actor,
            action="user.unlock",
            object_type="user",
            object_id=username,
            at=now,
            data={"username": username, "records_cleared": cleared},
        )
    return cleared
