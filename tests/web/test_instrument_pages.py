"""The instrument pages: 红黄牌 (list and one card, frozen figures beside today's), 预警 (list
and one warning, its cases linked) and 无讼村 (coverage and one village), each showing what its
API answers, under the same roles and region; the navigation names only what the role may open."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import TOWN, World
from tests.web.helpers import Http
from tests.web.pages import parsed, sign_in
from tests.web.test_cards import YELLOW_ONLY, file_in_court
from tests.web.test_warnings_api import raise_one


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"INLINE_PROJECTION": True}


def text(response: Any) -> str:
    return response.get_data(as_text=True)


def test_cards_list_and_one_card_with_frozen_and_todays_figures(
    app: Any, world: World, http: Http, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = tmp_path / "card-rules.toml"
    rules.write_text(YELLOW_ONLY, encoding="utf-8")
    monkeypatch.setenv("LEDGER_CARD_RULES", str(rules))
    file_in_court(http)
    card = http.post("/cards", "supervisor", {"target_kind": "town", "target_code": TOWN, "period": "2026-Q1"}).json
    http.report()  # one more report after the card: today's figure moves, the frozen one stays
    world.clock.advance(days=1)
    client = app.test_client()
    sign_in(client, world, "supervisor")
    listed = client.get("/ui/cards")
    rows = parsed(text(listed)).tables["card-list"]
    assert listed.status_code == 200 and len(rows) == 1
    assert rows[0][0] == "黄牌" and rows[0][1] == "城关镇" and rows[0][2] == "2026-Q1"
    assert parsed(text(client.get("/ui/cards?status=lifted"))).tables["card-list"] == [["没有符合条件的红黄牌。"]]
    assert client.get("/ui/cards?status=nonsense").status_code == 422
    assert client.get("/ui/cards?period=bad").status_code == 422

    page = client.get(f"/ui/cards/{card['id']}")
    html = text(page)
    assert page.status_code == 200 and "黄牌" in html and "新发纠纷达到 1 件" in html
    api = http.get(f"/cards/{card['id']}", "supervisor").json
    figures = {row[0]: row for row in parsed(html).tables["card-figures"]}
    frozen, today = api["basis"]["figures"]["disputes_reported"], api["today"]["figures"]["disputes_reported"]
    assert today > frozen
    assert figures["新发纠纷"][1:] == [str(frozen), str(today), "已变化"]
    assert client.get("/ui/cards/not-a-card").status_code == 404


def test_warnings_list_and_one_warning_link_to_their_cases(app: Any, world: World, http: Http) -> None:
    wid = raise_one(http, world)
    client = app.test_client()
    sign_in(client, world, "recorder")
    rows = parsed(text(client.get("/ui/warnings"))).tables["warning-list"]
    assert len(rows) == 1 and rows[0][1] == "群体性纠纷预警" and rows[0][5] == "已预警"
    assert "青山县宏达建筑劳务有限公司" in rows[0][4]
    assert client.get("/ui/warnings?kind=other").status_code == 422
    page = text(client.get(f"/ui/warnings/{wid}"))
    api = http.get(f"/warnings/{wid}", "recorder").json
    linked = [u for u in parsed(page).links if u.startswith("/ui/cases/")]
    assert sorted(u.rsplit("/", 1)[1] for u in linked) == sorted(api["case_ids"])
    assert client.get(linked[0]).status_code == 200
    other = app.test_client()
    sign_in(other, world, "other-recorder")
    assert other.get(f"/ui/warnings/{wid}").status_code == 404
    assert parsed(text(other.get("/ui/warnings"))).tables["warning-list"] == [["没有符合条件的预警。"]]


def test_villages_coverage_and_one_village(app: Any, world: World, http: Http) -> None:
    body = {"village_code": "621199001001", "year": 2026, "sponsor_code": "ORGC-COURT", "sponsor_name": "县法院"}
    assert http.post("/villages/no-litigation", "supervisor", body).status_code == 201
    client = app.test_client()
    sign_in(client, world, "supervisor")
    html = text(client.get("/ui/villages"))
    api = http.get("/villages/no-litigation", "supervisor").json
    rows = parsed(html).tables["village-list"]
    assert [r[0] for r in rows] == [i["village_name"] for i in api["items"]] and rows[0][4] == "创建中"
    assert f"全县 {api['progress']['villages']} 个村(社区)" in html
    page = client.get("/ui/villages/621199001001")
    assert page.status_code == 200 and "尚未评估" in text(page)
    assert client.get("/ui/villages?year=99").status_code == 422
    assert client.get("/ui/villages/621199009999").status_code == 404


def test_the_navigation_names_only_what_the_role_may_open(app: Any, world: World) -> None:
    reader = app.test_client()
    sign_in(reader, world, "reader")
    nav = text(reader.get("/ui/cases"))
    assert "/ui/cards" not in nav and "/ui/warnings" not in nav and "/ui/villages" not in nav
    for url in ("/ui/cards", "/ui/warnings", "/ui/villages"):
        assert reader.get(url).status_code == 403, url
    recorder = app.test_client()
    sign_in(recorder, world, "recorder")
    nav = text(recorder.get("/ui/cases"))
    assert "/ui/warnings" in nav and "/ui/villages" in nav and "/ui/cards" not in nav
