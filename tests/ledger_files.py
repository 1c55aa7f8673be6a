"""Workbooks and CSV files that look like a town's 矛盾纠纷排查化解台账, built for the tests."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from openpyxl import Workbook

GOOD_ID = "11010519491231002X"
BAD_ID = "110105194912310021"  # the check digit should be X
HEADER = [
    "序号", "排查日期", "纠纷类型", "所在村（社区）", "当事人", "身份证号", "联系电话", "纠纷简要情况",
    "化解责任单位/调解组织", "调解员", "化解措施", "化解结果", "办结日期", "是否司法确认", "回访情况",
]  # fmt: skip
#: Four disputes of 城关镇 in 2025 (dates written four ways, one an Excel serial): a success
#: confirmed by the court and followed up (满意), a failure closed, one still being mediated, and a
#: success followed up (基本满意). The header is on row 3; the rows are 4, 5, 7 and 8.
ROWS: list[list[Any]] = [
    [1, "2025/3/7", "婚姻家庭纠纷", "北关社区", "张建国、李秀英", GOOD_ID, "13812341234", "夫妻因家庭琐事争吵",
     "城关镇北关社区人民调解委员会", None, "耐心疏导，达成和解", "调解成功", "2025年3月20日", "是", "满意"],
    [2, 45700, "邻里纠纷", "南关社区", "王五与赵六", None, None, "排水沟堵塞", "ORG621199001002", None, None,
     "调解不成功", "2025.3.9", "否", "未回访"],
    [None] * 15,
    [3, datetime(2025, 4, 1), "土地纠纷", "北关社区", "钱七", None, None, "地界不清", "城关镇人民调解委员会", None,
     None, "调解中", None, "否", None],
    [4, "2025-05-06", "赡养", "南关社区", "孙八、孙九", None, None, "赡养费分担", "城关镇南关社区人民调解委员会",
     None, "签订赡养协议", "调解成功", "2025-05-20", "否", "基本满意"],
]  # fmt: skip
GOOD_ROWS = 4


def workbook(rows: list[list[Any]] | None = None, *, header: list[str] | None = None, second: bool = True) -> bytes:
    """Merged title rows, a 填报单位 line, the header, the rows, a footer; and a second sheet."""
    book = Workbook()
    sheet = book.active
    sheet.title = "2025年"
    sheet.append(["青山县城关镇矛盾纠纷排查化解台账"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=15)
    sheet.append(["填报单位：城关镇综治中心", None, None, None, None, None, None, "填报日期：2026年3月1日"])
    sheet.append(header or HEADER)
    for row in ROWS if rows is None else rows:
        sheet.append(row)
    sheet.append(["填表人：李四", None, "审核人：王五"])
    if second:
        other = book.create_sheet("2024年")
        other.append(header or HEADER)
        other.append([1, "2024-06-01", "物业纠纷", "北关社区", "周十", None, None, "物业费", "城关镇北关社区人民调解委员会",
                      None, None, "调解成功", "2024-06-10", "否", None])  # fmt: skip
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def gbk_csv(rows: list[list[Any]]) -> bytes:
    lines = [",".join(HEADER)] + [",".join("" if v is None else str(v) for v in row) for row in rows]
    return "\r\n".join(lines).encode("gbk")
