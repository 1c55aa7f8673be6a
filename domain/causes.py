"""The court's cause of action (案由) mapped to the ledger's dispute category (DESIGN.md §3, §9).

Court exports name the cause as the 民事案件案由规定 words it ("民间借贷纠纷", "离婚纠纷"); the
indicators count by the ledger's categories. The table below holds the common causes; a county
adds or overrides entries with a file named by LEDGER_CAUSE_CATEGORIES (read by the
application, application/config.py ``cause_table``):

- CSV with the header ``cause,category`` (UTF-8 or GBK), one cause a line, or
- TOML with a ``[causes]`` table: ``"民间借贷纠纷" = "private_lending"``.

A cause matches with or without its trailing 纠纷, so "离婚" and "离婚纠纷" are one entry. Every
administrative case (kind 行初) and every cause starting with 行政 is ``administrative``; an
unknown cause is ``other``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from domain.codes import Category
from domain.errors import InvalidValue

_SUFFIX = "纠纷"

#: The common first-instance causes, by the category their disputes have in the ledger.
DEFAULTS: dict[str, str] = {
    # lending and finance
    "民间借贷": "private_lending",
    "借款合同": "private_lending",
    "金融借款合同": "financial",
    "信用卡": "financial",
    "融资租赁合同": "financial",
    "小额借款合同": "financial",
    "储蓄存款合同": "financial",
    "保证合同": "financial",
    # contracts and commerce
    "买卖合同": "commercial",
    "承揽合同": "commercial",
    "建设工程施工合同": "commercial",
    "租赁合同": "commercial",
    "运输合同": "commercial",
    "服务合同": "commercial",
    "合伙合同": "commercial",
    "股权转让": "commercial",
    "不当得利": "commercial",
    "房屋租赁合同": "commercial",
    # family
    "离婚": "family",
    "离婚后财产": "family",
    "婚约财产": "family",
    "同居关系": "family",
    "继承": "family",
    "法定继承": "family",
    "遗嘱继承": "family",
    "赡养": "elder_support",
    "扶养": "elder_support",
    "抚养": "child_support",
    "抚养费": "child_support",
    "变更抚养关系": "child_support",
    "探望权": "child_support",
    # labour and wages
    "劳动争议": "labour",
    "劳动合同": "labour",
    "确认劳动关系": "labour",
    "经济补偿金": "labour",
    "工伤保险待遇": "labour",
    "提供劳务者受害责任": "labour",
    "劳务合同": "labour",
    "追索劳动报酬": "migrant_wages",
    "拖欠劳动报酬": "migrant_wages",
    # torts
    "机动车交通事故责任": "traffic_accident",
    "非机动车交通事故责任": "traffic_accident",
    "医疗损害责任": "medical",
    "生命权、身体权、健康权": "other",
    # property and land
    "物业服务合同": "property_management",
    "房屋买卖合同": "real_estate",
    "商品房预售合同": "real_estate",
    "商品房销售合同": "real_estate",
    "相邻关系": "neighbour",
    "相邻通行": "neighbour",
    "排除妨害": "neighbour",
    "宅基地使用权": "neighbour",
    "土地承包经营权": "land_contract",
    "土地承包经营权确认": "land_contract",
    "农村土地承包合同": "land_contract",
    "土地租赁合同": "land_contract",
    # insurance, consumers, intellectual property
    "保险合同": "insurance",
    "财产保险合同": "insurance",
    "人身保险合同": "insurance",
    "网络购物合同": "consumer",
    "产品责任": "consumer",
    "教育培训合同": "consumer",
    "著作权权属、侵权": "ip",
    "侵害商标权": "ip",
    "侵害作品信息网络传播权": "ip",
}


def _stem(cause: str) -> str:
    cause = cause.strip()
    return cause[: -len(_SUFFIX)] if cause.endswith(_SUFFIX) and len(cause) > len(_SUFFIX) else cause


@dataclass(frozen=True)
class CauseTable:
    """案由 → category; ``entries`` are keyed by the cause without its trailing 纠纷."""

    entries: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULTS))

    def category_of(self, cause: str, kind: str = "") -> str:
        if kind == "行初" or cause.strip().startswith("行政"):
            return Category.ADMINISTRATIVE.value
        return self.entries.get(_stem(cause), Category.OTHER.value)

    def overridden(self, rows: Mapping[str, str]) -> CauseTable:
        """The defaults with ``rows`` (cause → category code) added over them; refuses unknown codes."""
        merged = dict(self.entries)
        for cause, category in rows.items():
            if not cause.strip():
                raise InvalidValue("cause", "an entry of the cause table names no cause")
            merged[_stem(cause)] = Category.parse("category", str(category).strip()).value
        return CauseTable(merged)
