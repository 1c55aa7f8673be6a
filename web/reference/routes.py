"""/reference: the code lists and the county's regions, dispute bodies and mediator roster."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from application.warning_desk import lead_units
from domain.codes import Category, ReplyOutcome, Route, Source, SuggestionKind
from domain.lead_units import OTHERS
from domain.reference import MEDIATOR_KINDS, ORGANISATION_KINDS
from web.auth import require_read
from web.context import ledger
from web.reference import schemas as s

blp = Blueprint(
    "reference", __name__, description="Reference data: codes with Chinese labels, regions, bodies."
)


@blp.route("/categories")
class Categories(MethodView):
    @blp.doc(operationId="list_categories")
    @blp.response(200, s.CodeList)
    def get(self) -> Any:
        """Dispute categories (纠纷类型)"""
        require_read("reference")
        return {"items": Category.labels()}


@blp.route("/sources")
class Sources(MethodView):
    @blp.doc(operationId="list_sources")
    @blp.response(200, s.CodeList)
    def get(self) -> Any:
        """Where disputes come from (来源)"""
        require_read("reference")
        return {"items": Source.labels()}


@blp.route("/routes")
class Routes(MethodView):
    @blp.doc(operationId="list_routes")
    @blp.response(200, s.CodeList)
    def get(self) -> Any:
        """How disputes are handed on (分流方式)"""
        require_read("reference")
        return {"items": Route.labels()}


@blp.route("/suggestion-kinds")
class SuggestionKinds(MethodView):
    @blp.doc(operationId="list_suggestion_kinds")
    @blp.response(200, s.CodeList)
    def get(self) -> Any:
        """The 三书一函: kinds of suggestion (监察建议书, 司法建议书, 检察建议书, 公安提示函)"""
        require_read("reference")
        return {"items": SuggestionKind.labels()}


@blp.route("/reply-outcomes")
class ReplyOutcomes(MethodView):
    @blp.doc(operationId="list_reply_outcomes")
    @blp.response(200, s.CodeList)
    def get(self) -> Any:
        """How a recipient answered a suggestion (采纳, 部分采纳, 未采纳)"""
        require_read("reference")
        return {"items": ReplyOutcome.labels()}


@blp.route("/regions")
class Regions(MethodView):
    @blp.doc(operationId="list_regions")
    @blp.arguments(s.RegionQuery, location="query")
    @blp.response(200, s.RegionList)
    def get(self, query: dict[str, Any]) -> Any:
        """Regions (行政区划) with level, parent and resident population by year"""
        require_read("reference")
        regions = sorted(ledger().regions().regions.values(), key=lambda r: r.code)
        if query.get("level"):
            regions = [r for r in regions if r.level == query["level"]]
        if query.get("parent"):
            regions = [r for r in regions if r.parent_code == query["parent"]]
        return {
            "items": [
                {
                    "code": r.code,
                    "level": r.level,
                    "name": r.name,
                    "parent_code": r.parent_code,
                    "population": {str(y): n for y, n in sorted(r.population.items())},
                }
                for r in regions
            ]
        }


@blp.route("/organisations")
class Organisations(MethodView):
    @blp.doc(operationId="list_organisations")
    @blp.response(200, s.OrganisationList)
    def get(self) -> Any:
        """Dispute resolution bodies (解纷组织)"""
        require_read("reference")
        orgs = sorted(ledger().directory().organisations.values(), key=lambda o: o.code)
        return {
            "items": [
                {
                    "code": o.code,
                    "name": o.name,
                    "kind": o.kind,
                    "kind_label": ORGANISATION_KINDS[o.kind],
                    "region_code": o.region_code,
                }
                for o in orgs
            ]
        }


@blp.route("/mediators")
class Mediators(MethodView):
    @blp.doc(operationId="list_mediators")
    @blp.arguments(s.MediatorQuery, location="query")
    @blp.response(200, s.MediatorList)
    def get(self, query: dict[str, Any]) -> Any:
        """The mediator roster (调解员名册)"""
        require_read("reference")
        mediators = sorted(ledger().directory().mediators.values(), key=lambda m: m.id)
        if query.get("organisation"):
            mediators = [m for m in mediators if m.organisation_code == query["organisation"]]
        return {
            "items": [
                {
                    "id": m.id,
                    "name": m.name,
                    "organisation_code": m.organisation_code,
                    "kind": m.kind,
                    "kind_label": MEDIATOR_KINDS[m.kind],
                }
                for m in mediators
            ]
        }


@blp.route("/lead-units")
class LeadUnitTable(MethodView):
    @blp.doc(operationId="list_lead_units")
    @blp.response(200, s.LeadUnitList)
    def get(self) -> Any:
        """Lead units by category (牵头单位): who leads the joint handling of a category's disputes"""
        require_read("reference")
        table = lead_units(ledger())
        return {
            "items": [
                {
                    "category": category,
                    "category_label": "其他" if category == OTHERS else Category(category).label,
                    "lead_code": lead.lead.code,
                    "lead_name": lead.lead.name,
                    "partner_code": lead.partner.code if lead.partner else None,
                    "partner_name": lead.partner.name if lead.partner else None,
                }
                for category, lead in sorted(table.rows.items())
            ]
        }
