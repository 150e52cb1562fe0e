"""Leads filed at the same moment by different people must all commit, on every engine.

Each lead scores its duplicates against the open incidents and refreshes their stored signatures when stale,
inside its own transaction. Incidents that occurred at the same instant came back in no fixed order, so two
leads upserted the same signature rows in different orders and, on PostgreSQL, deadlocked (the load bench's
lead flood answered 500). Real concurrent transactions, raced many times.
"""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from dutyroom.accounts.models import User
from dutyroom.incidents.models import Incident
from dutyroom.incidents.services import IncidentInput, incident_create
from dutyroom.leads.models import Lead
from dutyroom.leads.services import LeadInput, LeadOrigin, lead_submit

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 25 if connection.vendor == "postgresql" else 3
SENDERS = 6


def test_leads_filed_at_once_against_stale_incident_signatures_all_commit(city: None) -> None:
    reporter = User.objects.get(username="liuhe-reporter")
    at = datetime.now(UTC) - timedelta(minutes=10)
    for n in range(40):  # one instant for all: the candidates' order is the database's whim
        incident_create(
            actor=reporter,
            now=datetime.now(UTC),
            data=IncidentInput(
                title=f"浏河镇仓库火灾{n}", category="accident", subtype="fire", grade="IV", occurred_at=at
            ),
        )
    officer = User.objects.get(username="duty-officer")
    failures: list[BaseException] = []

    def sender(round_: int, n: int, start: threading.Barrier) -> None:
        try:
            start.wait()
            lead_submit(
                data=LeadInput(channel="hotline", title=f"热线：浏河镇仓库冒烟 {round_}-{n}"),
                origin=LeadOrigin(source="race", sender=officer),
                now=datetime.now(UTC),
            )
        except BaseException as error:
            failures.append(error)
        finally:
            connections.close_all()

    ids = list(Incident.objects.values_list("pk", flat=True))

    def mover(stop: threading.Event) -> None:
        """Units filing reports meanwhile: each touches its incident, which moves the row on disk."""
        try:
            while not stop.is_set():
                for pk in random.sample(ids, 10):
                    Incident.objects.filter(pk=pk).update(updated_at=timezone.now())
        finally:
            connections.close_all()

    for round_ in range(ROUNDS):
        Incident.objects.update(updated_at=timezone.now())  # every stored signature is stale again
        start = threading.Barrier(SENDERS)
        stop = threading.Event()
        moving = threading.Thread(target=mover, args=(stop,))
        moving.start()
        threads = [threading.Thread(target=sender, args=(round_, n, start)) for n in range(SENDERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        stop.set()
        moving.join()
    assert not failures, failures[:3]
    assert Lead.objects.count() == ROUNDS * SENDERS
