"""The account commands an administrator uses: token list/revoke, password reset, unlock, otp-reset."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_cli import run


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli-accounts")
    assert run(path, "init", "--demo").returncode == 0
    return path


def test_tokens_are_listed_never_shown_and_revoked_by_id(data_dir: Path) -> None:
    token = run(data_dir, "token", "create", "duty-officer").stdout.strip().splitlines()[-1]
    listed = run(data_dir, "token", "list", "duty-officer")
    assert listed.returncode == 0 and token[:10] in listed.stdout and token not in listed.stdout
    assert "never" in listed.stdout
    token_id = listed.stdout.strip().splitlines()[1].split()[0]
    assert run(data_dir, "token", "revoke", token_id).returncode == 0
    again = run(data_dir, "token", "revoke", token_id)
    assert (
        again.returncode == 1
        and "already revoked"
        in again.stderr + run(data_dir, "token", "revoke", token_id, env={"LANG": "en_US.UTF-8"}).stderr
    )


def test_password_reset_unlock_and_otp_reset_answer_in_one_line(data_dir: Path) -> None:
    reset = run(data_dir, "user", "password", "shaxi-reporter")
    assert reset.returncode == 0 and len(reset.stdout.strip().splitlines()[-1]) >= 12  # the new password
    assert run(data_dir, "user", "password", "shaxi-reporter", "--password", "short").returncode == 1
    assert "unlocked" in run(data_dir, "user", "unlock", "duty-officer").stdout
    assert "0 second-factor device(s) removed" in run(data_dir, "user", "otp-reset", "duty-officer").stdout
    missing = run(data_dir, "user", "otp-reset", "nobody")
    assert missing.returncode == 1 and len(missing.stderr.strip().splitlines()) == 1
