"""The board of a town's duty officer shows its own area; the city's shows every level."""

from __future__ import annotations

import pytest

from tests.levels.test_chain import VILLAGE, village_incident
from tests.levels.test_units_pages import signed_in

pytestmark = pytest.mark.django_db


def test_the_town_board_shows_its_villages_incident_and_not_another_towns(api):
    village_incident(api, 5)
    api("liuhe-reporter").post(
        "/incidents",
        {
            "title": "浏河镇路面塌陷",
            "category": "accident",
            "grade": "IV",
            "occurred_at": village_incident(api, 4)["occurred_at"],
        },
    )
    town = signed_in("shaxi-duty").get("/").content.decode()
    assert "涂松村河道小船翻覆" in town and "浏河镇路面塌陷" not in town
    city = signed_in("duty-officer").get("/").content.decode()
    assert "涂松村河道小船翻覆" in city and "浏河镇路面塌陷" in city
    village = signed_in("shaxi-niqiao-reporter").get("/").content.decode()
    assert "涂松村河道小船翻覆" not in village


def test_the_town_board_counts_the_village_clocks_it_watches(api):
    from dutyroom.accounts.models import User
    from dutyroom.common.clock import now as clock_now
    from dutyroom.web.views.present import board_data

    body = village_incident(api, 5)
    data = board_data(User.objects.get(username="shaxi-duty"), clock_now())
    [card] = [c for c in data["cards"] if c["incident"].pk == body["id"]]
    watched = {(c["obligation"].unit.code, c["obligation"].kind) for c in card["open_clocks"]}
    assert (VILLAGE, "first_report") in watched and ("shaxi", "first_report") in watched
