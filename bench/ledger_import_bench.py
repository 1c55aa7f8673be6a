"""Importing a county's Excel 台账, beside the Application's own report rate, in the same run.

    python bench/ledger_import_bench.py --store sqlite --rows 100000
    python bench/ledger_import_bench.py --store both --rows 20000

For each store: a workbook of N rows (the demo county's villages and organisations; dates over
2024–2025 in four spellings and Excel serials; outcomes mixed: agreed and closed with a
follow-up, confirmed, failed and closed, still being mediated) written with openpyxl's
write-only mode; imported into a fresh store with the demo county by import_ledger_file
(streaming read twice: check, then build and save SAVE_CHUNK cases per transaction), in a child
process whose peak RSS is its own; the same at N/10 rows, to show memory does not grow with
the file; then the Application's own rate: Ledger.report, one case per command, for min(N,
2000) cases on a fresh store of the same kind. Prints one table; stores are removed at the end.
Run as a script (not -m) so PYTHONPATH can point at another checkout.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

if __package__ in (None, ""):  # run as a script: the checkout on PYTHONPATH (or this one) is the code
    sys.path[0] = os.environ.get("PYTHONPATH", "").split(os.pathsep)[0] or str(
        Path(__file__).resolve().parent.parent
    )

from rich import box  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from application.ledger import Ledger  # noqa: E402
from application.reference_files import load_demo_reference  # noqa: E402
from bench.projection_bench import drop, settings_for  # noqa: E402

console = Console(stderr=True)
HEADER = ["序号", "排查日期", "纠纷类型", "所在村（社区）", "当事人", "纠纷简要情况", "化解责任单位/调解组织",
          "化解措施", "化解结果", "办结日期", "是否司法确认", "回访情况"]  # fmt: skip
CATEGORIES = ("婚姻家庭纠纷", "邻里纠纷", "民间借贷", "劳动争议", "土地纠纷", "物业纠纷", "赡养", "交通事故")
OUTCOMES = (("调解成功", "否", "满意"), ("调解成功", "是", "基本满意"), ("调解不成功", "否", None), ("调解中", "否", None))


def _day(d: date, i: int) -> object:
    spelling = i % 5
    if spelling == 0:
        return f"{d.year}/{d.month}/{d.day}"
    if spelling == 1:
        return f"{d.year}年{d.month}月{d.day}日"
    if spelling == 2:
        return f"{d.year}.{d.month}.{d.day}"
    if spelling == 3:
        return (d - date(1899, 12, 30)).days  # an Excel serial
    return d.isoformat()


def write_workbook(path: str, rows: int) -> None:
    from openpyxl import Workbook

    ledger = Ledger()  # only to read the demo county's names; nothing is saved
    load_demo_reference(ledger)
    catalogue, directory = ledger.regions(), ledger.directory()
    villages = sorted(c for c, r in catalogue.regions.items() if r.level == "village")
    committees = {o.region_code: o.name for o in directory.organisations.values() if o.kind == "village_committee"}
    names = {c: "".join(catalogue.regions[p].name for p in catalogue.path(c)[1:]) for c in villages}
    book = Workbook(write_only=True)
    sheet = book.create_sheet("台账")
    sheet.append(["青山县矛盾纠纷排查化解台账"])
    sheet.append(["填报单位：县综治中心"])
    sheet.append(HEADER)
    first = date(2024, 1, 1)
    for i in range(rows):
        village = villages[i % len(villages)]
        reported = first + timedelta(days=(i * 700) // max(rows, 1))
        outcome, confirmed, follow_up = OUTCOMES[i % len(OUTCOMES)]
        closed = None if outcome == "调解中" else _day(reported + timedelta(days=5 + i % 20), i + 1)
        sheet.append([i + 1, _day(reported, i), CATEGORIES[i % len(CATEGORIES)], names[village], f"当事人甲{i}、当事人乙{i}",
                      f"第{i}号纠纷的简要情况", committees[village], "调解", outcome, closed, confirmed, follow_up])  # fmt: skip
    book.save(path)
    ledger.close()


CHILD = """
import json, resource, sys, time
sys.path[0] = {root!r}
from application.config import StoreSettings
from application.ledger import Ledger
from application.ledger_import import import_ledger_file
from application.reference_files import load_demo_reference
settings = StoreSettings(**json.loads({settings!r}))
ledger = Ledger(settings=settings)
load_demo_reference(ledger)
data = open({path!r}, "rb").read()
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
report = import_ledger_file(ledger, ledger.system_actor(), data, "bench.xlsx", dry_run=False)
seconds = time.perf_counter() - start
print(json.dumps({{"rows": report.rows, "written": report.written, "events": report.events, "problems": len(report.problems),
                  "seconds": seconds, "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "base_kb": base}}))
ledger.close()
"""


def import_in_child(store: str, path: str, workdir: str, tag: str) -> dict[str, float]:
    settings = settings_for(store, tag, workdir)
    root = str(Path(__file__).resolve().parent.parent)
    code = CHILD.format(root=os.environ.get("PYTHONPATH", "").split(os.pathsep)[0] or root, path=path,
                        settings=json.dumps({"sqlite_path": settings.sqlite_path, "url": settings.url, "schema": settings.schema}))  # fmt: skip
    try:
        out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    finally:
        drop(settings)
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def report_rate(store: str, workdir: str, count: int) -> float:
    settings = settings_for(store, "report", workdir)
    ledger = Ledger(settings=settings)
    try:
        load_demo_reference(ledger)
        actor = ledger.system_actor()
        villages = sorted(c for c, r in ledger.regions().regions.items() if r.level == "village")
        start = time.perf_counter()
        for i in range(count):
            ledger.report(
                actor, source="grid_patrol", category="neighbour", region_code=villages[i % len(villages)],
                summary=f"第{i}号纠纷的简要情况", people_involved=2,
                parties=[{"role": "applicant", "kind": "person", "name": f"当事人甲{i}"},
                         {"role": "respondent", "kind": "person", "name": f"当事人乙{i}"}],
            )  # fmt: skip
        return count / (time.perf_counter() - start)
    finally:
        ledger.close()
        drop(settings)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    stores = ["sqlite", "postgres"] if args.store == "both" else [args.store]
    table = Table(box=box.MARKDOWN)
    for column in ("store", "rows", "events", "import rows/s", "report cases/s", "ratio (target ≥ ½)",
                   f"peak RSS MiB at {args.rows // 10:,}", f"at {args.rows:,}"):  # fmt: skip
        table.add_column(column, justify="left" if column == "store" else "right")
    with tempfile.TemporaryDirectory() as workdir:
        small, large = os.path.join(workdir, "small.xlsx"), os.path.join(workdir, "large.xlsx")
        os.environ.setdefault("LEDGER_DB", os.path.join(workdir, "names.sqlite3"))
        write_workbook(small, args.rows // 10)
        write_workbook(large, args.rows)
        console.print(f"workbook: {os.path.getsize(large) / 2**20:.1f} MiB")
        for store in stores:
            few = import_in_child(store, small, workdir, "small")
            many = import_in_child(store, large, workdir, "large")
            assert many["problems"] == 0 and many["written"] == args.rows, many
            reports = report_rate(store, workdir, min(args.rows, 2000))
            rate = many["rows"] / many["seconds"]
            table.add_row(
                "SQLite" if store == "sqlite" else "PostgreSQL", f"{args.rows:,}", f"{int(many['events']):,}",
                f"{rate:,.0f}", f"{reports:,.0f}", f"{rate / reports:.2f} {'met' if rate >= reports / 2 else '**missed**'}",
                f"{few['maxrss_kb'] / 1024:,.0f}", f"{many['maxrss_kb'] / 1024:,.0f}",
            )  # fmt: skip
    Console().print(table)


if __name__ == "__main__":
    main()
