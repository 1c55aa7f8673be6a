"""Demo data for the governance instruments: four 无讼村 demonstration villages with sponsors, in
the pattern of the 石泉 plan (县法院 → 城关镇双樟村, 县检察院 → 城关镇老城社区, 县公安局 → 池河镇五爱村,
县司法局 → 饶峰镇胜利村), mapped onto the demo county's villages.

Kept apart from application/demo.py: call ``enrol_demo_villages(ledger)`` after ``generate``.
"""

from __future__ import annotations

from application.errors import UnknownActor
from application.instruments import enrol_village
from application.ledger import Ledger
from domain.errors import InvalidValue

#: (village code, sponsor code, sponsor name): two in the county seat, one each in two towns.
DEMO_VILLAGES = (
    ("621199001001", "ORGC-COURT", "县法院"),
    ("621199001002", "XJCY", "县检察院"),
    ("621199003001", "XGAJ", "县公安局"),
    ("621199004001", "XSFJ", "县司法局"),
)


def enrol_demo_villages(ledger: Ledger, *, year: int | None = None) -> int:
    """Enrol the four demo villages for ``year`` (default: this year); those already enrolled are
    left as they are. Attributed to the county's demo supervisor when there is one."""
    counties = sorted(r.code for r in ledger.regions().regions.values() if r.level == "county")
    try:
        actor = ledger.actor(f"supervisor-{counties[0]}") if counties else ledger.system_actor()
    except UnknownActor:
        actor = ledger.system_actor()
    year = year or ledger.clock().astimezone(ledger.rules.window.zone).year
    enrolled = 0
    for village, sponsor_code, sponsor_name in DEMO_VILLAGES:
        try:
            enrol_village(ledger, actor, village_code=village, year=year, sponsor_code=sponsor_code, sponsor_name=sponsor_name)
        except InvalidValue as e:
            if "already enrolled" not in str(e):
                raise
            continue
        enrolled += 1
    return enrolled
