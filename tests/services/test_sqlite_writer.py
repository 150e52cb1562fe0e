"""SQLite's one-writer discipline (``common.engine.sqlite``): writers of one process queue on a lock, none is refused,
and the lock is always given back — after a commit, a rollback and a closed connection."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from django.db import connection, connections, transaction

from dutyroom.common.engine.sqlite.base import WRITE_LOCK

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only")


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_in_one_process_all_commit(city: None) -> None:
    from dutyroom.accounts.models import ApiToken, User
    from dutyroom.accounts.tokens import token_create
    from dutyroom.audit.services import audit_verify

    person = User.objects.get(username="shaxi-reporter")
    failures: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for k in range(15):
                token_create(user=person, name=f"t{n}-{k}", now=datetime.now(UTC))
        except BaseException as error:  # any "database is locked" would land here
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert ApiToken.objects.filter(user=person).count() == 8 * 15
    assert audit_verify().ok
    assert not WRITE_LOCK.locked()


@pytest.mark.django_db(transaction=True)
def test_the_write_lock_is_released_after_a_rollback_and_a_close() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        assert WRITE_LOCK.locked()
        raise RuntimeError("the change fails")
    assert not WRITE_LOCK.locked()
    block = transaction.atomic()
    block.__enter__()  # a request killed mid-transaction: its connection is closed under it
    assert WRITE_LOCK.locked()
    connection.close()
    assert not WRITE_LOCK.locked()
    block.__exit__(None, None, None)
