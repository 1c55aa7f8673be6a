"""What a bulletin version lists as changed, its hash, the period's words, and the PDF module's
Markdown reading and font choice (no store needed)."""

from __future__ import annotations

import hashlib
import json

import pytest

from application.bulletin_render import period_label
from application.pdf_document import Bullets, Heading, NoCjkFont, Paragraph, Table, font_path, from_markdown
from domain.bulletin import changes, figures_hash


def test_changes_name_each_figure_by_the_row_it_belongs_to() -> None:
    old = {"indicators": [{"region_code": "621199001", "disputes_reported": 3, "resolution_rate": 0.5}],
           "cards": [], "incidents": [{"position": 7, "case_id": "c1", "kind": "extreme_act"}]}  # fmt: skip
    new = {"indicators": [{"region_code": "621199001", "disputes_reported": 2, "resolution_rate": 0.5}],
           "cards": [{"id": "k1", "level": "yellow"}], "incidents": []}  # fmt: skip
    found = {c["figure"]: (c["old"], c["new"]) for c in changes(old, new)}
    assert found == {
        "indicators[621199001].disputes_reported": (3, 2),
        "cards": ([], None),
        "cards[k1].id": (None, "k1"),
        "cards[k1].level": (None, "yellow"),
        "incidents[7].case_id": ("c1", None),
        "incidents[7].kind": ("extreme_act", None),
        "incidents[7].position": (7, None),
        "incidents": (None, []),
    }
    assert changes(old, json.loads(json.dumps(old))) == []


def test_the_hash_is_sha256_of_the_canonical_json() -> None:
    figures = {"b": 1, "a": [0.1, None, "城关镇"]}
    expected = hashlib.sha256('{"a":[0.1,null,"城关镇"],"b":1}'.encode()).hexdigest()
    assert figures_hash(figures) == expected == figures_hash({"a": [0.1, None, "城关镇"], "b": 1})


def test_periods_in_words() -> None:
    assert [period_label(p) for p in ("2026-Q3", "2026-H1", "2026-03", "2026", "2026-01..2026-08")] == [
        "2026年第三季度", "2026年上半年", "2026年3月", "2026年", "2026年1-8月",
    ]


def test_the_markdown_subset_becomes_a_document() -> None:
    doc = from_markdown("# 标题\n> 副标题\n\n## 一、指标\n\n| 指标 | 本期 |\n|---|---:|\n| 新发纠纷 | 2 |\n\n- 甲\n- 乙\n\n第一行\n第二行\n")
    assert (doc.title, doc.subtitle) == ("标题", "副标题")
    assert doc.blocks == [
        Heading("一、指标", 2), Table(["指标", "本期"], [["新发纠纷", "2"]]), Bullets(["甲", "乙"]), Paragraph("第一行 第二行"),
    ]


def test_a_missing_font_is_a_clear_refusal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_PDF_FONT", "/nonexistent/font.ttc")
    with pytest.raises(NoCjkFont, match="LEDGER_PDF_FONT names no file"):
        font_path()
    monkeypatch.setattr("application.pdf_document.FONT_CANDIDATES", ("/nonexistent/a.ttc",))
    monkeypatch.delenv("LEDGER_PDF_FONT")
    with pytest.raises(NoCjkFont, match="fonts-wqy-microhei"):
        font_path()
