"""The shared board fragment of the live board must not leak a need-to-know grant: a person
granted a work-secret incident sees it on their board; a colleague of the same role and unit never does, even
when the colleague's board is served from the cache right after the granted person's."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from dutyroom.accounts.models import User
from dutyroom.accounts.services import user_add
from dutyroom.common.clock import now as clock_now
from dutyroom.incidents.grants import incident_grant
from dutyroom.incidents.models import Incident

pytestmark = pytest.mark.django_db


def test_a_granted_person_sees_the_secret_incident_and_a_same_role_colleague_does_not(
    login: Callable[[str], Client], make_incident: Callable[..., Incident]
) -> None:
    secret = make_incident(title="涉密事件甲", classification="work_secret")
    assessor = User.objects.get(username="assessor")
    assert assessor.unit is not None
    user_add(username="assessor-2", role="assessor", unit_code=assessor.unit.code, password=None, now=clock_now())
    incident_grant(
        actor=User.objects.get(username="duty-officer"),
        incident=secret,
        username="assessor",
        reason="核查需要",
        now=clock_now(),
    )

    granted = login("assessor").get("/board/fragment/").content.decode()
    colleague = login("assessor-2").get("/board/fragment/").content.decode()
    assert "涉密事件甲" in granted
    assert "涉密事件甲" not in colleague
    # and the other way round: the colleague's shared fragment does not hide it from the granted person
    assert "涉密事件甲" in login("assessor").get("/board/fragment/").content.decode()
