"""The `dutyroom` command (docs/api.md): init, serve, worker, user add, token create, audit verify.

Every mistake gets a one-line message and a non-zero exit code; no tracebacks for things a person can fix.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

EXIT_USAGE = 2


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as error:
        _fail(f"configuration error: {error}")
    except ValueError as error:
        _fail(f"configuration error: {error}")


def _fail(message: str, code: int = 1) -> None:
    print(f"dutyroom: {message}", file=sys.stderr)
    raise SystemExit(code)


def _check_database() -> None:
    from django.db import connection
    from django.db.utils import OperationalError

    try:
        connection.ensure_connection()
    except OperationalError as error:
        settings_db = connection.settings_dict
        where = settings_db.get("HOST") or settings_db.get("NAME")
        _fail(f"database unreachable ({connection.vendor} at {where}): {str(error).strip().splitlines()[0]}")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dutyroom", description="DutyRoom — 突发事件信息报告")
    sub = parser.add_subparsers(dest="command", required=True)
    init = sub.add_parser("init", help="create or migrate the database")
    init.add_argument("--demo", action="store_true", help="load the demo city (units, users, sample incidents)")
    serve = sub.add_parser("serve", help="web UI + API + the worker in one process")
    serve.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    serve.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
    sub.add_parser("worker", help="the deadline/notification worker alone")
    user = sub.add_parser("user", help="manage users").add_subparsers(dest="user_command", required=True)
    add = user.add_parser("add", help="create a user")
    add.add_argument("name")
    add.add_argument("--role", required=True)
    add.add_argument("--unit", required=True)
    add.add_argument("--password")
    password = user.add_parser("password", help="set (reset) a user's password; prints a new one if none given")
    password.add_argument("name")
    password.add_argument("--password")
    user.add_parser("unlock", help="lift a login lock-out").add_argument("name")
    user.add_parser("otp-reset", help="remove a user's TOTP device (lost phone)").add_argument("name")
    token = sub.add_parser("token", help="manage API tokens").add_subparsers(dest="token_command", required=True)
    create = token.add_parser("create", help="print a new API token for a user")
    create.add_argument("name")
    token.add_parser("list", help="list tokens: id, prefix, user, created, last used, revoked").add_argument(
        "name", nargs="?"
    )
    token.add_parser("revoke", help="revoke a token by its id (from token list)").add_argument("id", type=int)
    audit = sub.add_parser("audit", help="audit log").add_subparsers(dest="audit_command", required=True)
    audit.add_parser("verify", help="check the audit chain").add_argument(
        "--no-anchor", action="store_true", help="check the chain against its key alone, without the anchor file"
    )
    sub.add_parser("backup", help="copy the database to FILE (SQLite backup API / pg_dump)").add_argument("file")
    restore = sub.add_parser("restore", help="replace the database with FILE (stop the server first)")
    restore.add_argument("file")
    restore.add_argument(
        "--force", action="store_true", help="restore even a backup whose audit chain was written with another key"
    )
    return parser


def _handler(args: argparse.Namespace) -> Callable[[], int | None]:
    from dutyroom import commands

    if args.command == "user":
        return {
            "add": lambda: commands.user_add(args.name, role=args.role, unit=args.unit, password=args.password),
            "password": lambda: commands.user_password(args.name, password=args.password),
            "unlock": lambda: commands.user_unlock(args.name),
            "otp-reset": lambda: commands.user_otp_reset(args.name),
        }[args.user_command]
    if args.command == "token":
        return {
            "create": lambda: commands.token_create(args.name),
            "list": lambda: commands.token_list(args.name),
            "revoke": lambda: commands.token_revoke(args.id),
        }[args.token_command]
    return {
        "init": lambda: commands.init(demo=args.demo),
        "serve": lambda: commands.serve(host=args.host, port=args.port, workers=args.workers),
        "worker": commands.worker,
        "audit": lambda: commands.audit_verify(no_anchor=args.no_anchor),
        "backup": lambda: commands.backup(args.file),
        "restore": lambda: commands.restore(args.file, force=args.force),
    }[args.command]


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _setup_django()
    _check_database()
    from dutyroom.backup import BackupError
    from dutyroom.common.errors import DomainError

    try:
        return int(_handler(args)() or 0)
    except DomainError as error:
        _fail(error.message_en if os.environ.get("LANG", "").startswith("en") else error.message)
    except BackupError as error:
        _fail(str(error))
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
