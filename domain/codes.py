"""Code lists of DESIGN.md §3: English slugs in the API, Chinese labels for people."""

from __future__ import annotations

from enum import StrEnum


class Coded(StrEnum):
    """A code whose members carry a Chinese label: ``Member = ("slug", "标签")``."""

    label: str

    def __new__(cls, value: str, label: str = "") -> Coded:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def parse(cls, field: str, value: object) -> Coded:
        from domain.errors import InvalidValue

        try:
            return cls(str(value))
        except ValueError:
            allowed = ", ".join(m.value for m in cls)
            raise InvalidValue(field, f"unknown {field} {value!r}; one of: {allowed}") from None

    @classmethod
    def labels(cls) -> list[dict[str, str]]:
        return [{"code": m.value, "label": m.label} for m in cls]


class Source(Coded):
    GRID_PATROL = ("grid_patrol", "网格排查")
    WALK_IN = ("walk_in", "来访")
    HOTLINE = ("hotline", "热线")
    PETITION = ("petition", "信访转办")
    COURT_DIVERSION = ("court_diversion", "法院诉前分流")
    ONLINE = ("online", "线上申请")
    POLICE_REFERRAL = ("police_referral", "公安移送")
    DEPARTMENT_REFERRAL = ("department_referral", "部门移送")
    #: A case entered from a county's historic Excel ledger (application/ledger_import.py).
    MIGRATION = ("migration", "历史台账导入")


class Category(Coded):
    FAMILY = ("family", "婚姻家庭")
    ELDER_SUPPORT = ("elder_support", "赡养")
    CHILD_SUPPORT = ("child_support", "抚养")
    NEIGHBOUR = ("neighbour", "相邻关系")
    PROPERTY_MANAGEMENT = ("property_management", "物业服务")
    PRIVATE_LENDING = ("private_lending", "民间借贷")
    LABOUR = ("labour", "劳动争议")
    MIGRANT_WAGES = ("migrant_wages", "农民工工资")
    LAND_CONTRACT = ("land_contract", "土地承包经营")
    TRAFFIC_ACCIDENT = ("traffic_accident", "道路交通事故")
    MEDICAL = ("medical", "医疗纠纷")
    FINANCIAL = ("financial", "金融借款")
    COMMERCIAL = ("commercial", "商事合同")
    REAL_ESTATE = ("real_estate", "商品房买卖")
    INSURANCE = ("insurance", "保险合同")
    CONSUMER = ("consumer", "消费者权益")
    IP = ("ip", "知识产权")
    ADMINISTRATIVE = ("administrative", "行政争议")
    OTHER = ("other", "其他")


class Route(Coded):
    PEOPLES_MEDIATION = ("peoples_mediation", "人民调解")
    INDUSTRY_MEDIATION = ("industry_mediation", "行业调解")
    INVITED_MEDIATION = ("invited_mediation", "特邀调解")
    ADMINISTRATIVE_MEDIATION = ("administrative_mediation", "行政调解")
    LAWYER_MEDIATION = ("lawyer_mediation", "律师调解")
    ARBITRATION = ("arbitration", "仲裁")
    NOTARISATION = ("notarisation", "公证")
    LITIGATION = ("litigation", "诉讼")


#: Routes that hand a case to mediation (arbitration, notarisation and litigation do not).
MEDIATION_ROUTES = frozenset(
    r.value for r in Route if r not in (Route.ARBITRATION, Route.NOTARISATION, Route.LITIGATION)
)


class RiskLevel(Coded):
    LOW = ("low", "低")
    MEDIUM = ("medium", "中")
    HIGH = ("high", "高")
    CRITICAL = ("critical", "极高")


class RiskFlag(Coded):
    MASS = ("mass", "群体性")
    EXTREME = ("extreme", "个人极端风险")
    CRIMINAL_ESCALATION = ("criminal_escalation", "民转刑风险")


class Status(Coded):
    REPORTED = ("reported", "已登记")
    ASSIGNED = ("assigned", "已交办")
    ACCEPTED = ("accepted", "已签收")
    MEDIATING = ("mediating", "调解中")
    AGREED = ("agreed", "调解成功")
    CONFIRMATION_PENDING = ("confirmation_pending", "司法确认中")
    CONFIRMED = ("confirmed", "已确认")
    FAILED = ("failed", "调解不成")
    LITIGATING = ("litigating", "已立案")
    ADJUDICATED = ("adjudicated", "已审结")
    CLOSED = ("closed", "办结")
    ARCHIVED = ("archived", "已归档")


class Resolution(Coded):
    MEDIATED = ("mediated", "调解化解")
    CONFIRMED = ("confirmed", "司法确认")
    ADJUDICATED = ("adjudicated", "诉讼审结")
    UNRESOLVABLE = ("unresolvable", "无法化解")
    WITHDRAWN = ("withdrawn", "撤回")
    SETTLED = ("settled", "当事人和解")
    REFERRED = ("referred", "移交仲裁/公证")


class Role(Coded):
    RECORDER = ("recorder", "登记员")
    MEDIATOR = ("mediator", "调解员")
    JUDGE = ("judge", "法官")
    SUPERVISOR = ("supervisor", "督办")
    AUDITOR = ("auditor", "审计")
    READER = ("reader", "API 客户端")
    ADMIN = ("admin", "系统管理员")


class SessionMode(Coded):
    ONSITE = ("onsite", "现场")
    ONLINE = ("online", "线上")
    PHONE = ("phone", "电话")


class CourtOutcome(Coded):
    JUDGMENT = ("judgment", "判决")
    COURT_MEDIATION = ("court_mediation", "诉中调解")
    WITHDRAWN = ("withdrawn", "撤诉")
    DISMISSED = ("dismissed", "驳回")


class Performance(Coded):
    FULL = ("full", "全部履行")
    PARTIAL = ("partial", "部分履行")
    NONE = ("none", "未履行")


class Satisfaction(Coded):
    SATISFIED = ("satisfied", "满意")
    NEUTRAL = ("neutral", "基本满意")
    DISSATISFIED = ("dissatisfied", "不满意")


class IncidentKind(Coded):
    CRIMINAL_ESCALATION = ("criminal_escalation", "民转刑")
    EXTREME_ACT = ("extreme_act", "个人极端事件")
    MASS_INCIDENT = ("mass_incident", "群体性事件")


class Severity(Coded):
    SERIOUS = ("serious", "较大")
    MAJOR = ("major", "重大")
    GRAVE = ("grave", "特别重大")


class PartyRole(Coded):
    APPLICANT = ("applicant", "申请人")
    RESPONDENT = ("respondent", "被申请人")
    THIRD_PARTY = ("third_party", "第三人")


class PartyKind(Coded):
    PERSON = ("person", "自然人")
    ORGANISATION = ("organisation", "组织")


class CorrectableField(Coded):
    CATEGORY = ("category", "纠纷类型")
    REGION_CODE = ("region_code", "发生地")
    SUMMARY = ("summary", "简要情况")
    PEOPLE_INVOLVED = ("people_involved", "涉及人数")
    AMOUNT_IN_DISPUTE = ("amount_in_dispute", "争议金额")


class SuggestionKind(Coded):
    """The 三书一函 (石泉): the four documents by which a body tells another how to govern a
    class of disputes."""

    SUPERVISION = ("supervision", "监察建议书")
    JUDICIAL = ("judicial", "司法建议书")
    PROCURATORIAL = ("procuratorial", "检察建议书")
    POLICE = ("police", "公安提示函")


class ReplyOutcome(Coded):
    ADOPTED = ("adopted", "采纳")
    PARTLY = ("partly", "部分采纳")
    NOT_ADOPTED = ("not_adopted", "未采纳")
