"""Reference data: codes with their Chinese labels, regions, organisations, mediators."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from domain.reference import LEVELS


class CodeLabel(ma.Schema):
    code = fields.String()
    label = fields.String()


class CodeList(ma.Schema):
    items = fields.List(fields.Nested(CodeLabel))


class RegionQuery(ma.Schema):
    level = fields.String(validate=validate.OneOf(LEVELS))
    parent = fields.String(metadata={"description": "only the regions directly under this one"})


class Region(ma.Schema):
    code = fields.String()
    level = fields.String()
    name = fields.String()
    parent_code = fields.String(allow_none=True)
    population = fields.Dict(
        keys=fields.String(), values=fields.Integer(), metadata={"description": "resident population by year"}
    )


class RegionList(ma.Schema):
    items = fields.List(fields.Nested(Region))


class Organisation(ma.Schema):
    code = fields.String()
    name = fields.String()
    kind = fields.String()
    kind_label = fields.String()
    region_code = fields.String()


class OrganisationList(ma.Schema):
    items = fields.List(fields.Nested(Organisation))


class Mediator(ma.Schema):
    id = fields.String()
    name = fields.String()
    organisation_code = fields.String()
    kind = fields.String()
    kind_label = fields.String()


class MediatorList(ma.Schema):
    items = fields.List(fields.Nested(Mediator))


class MediatorQuery(ma.Schema):
    organisation = fields.String(metadata={"description": "only this organisation's mediators"})


class LeadUnit(ma.Schema):
    category = fields.String(metadata={"description": "a category code, or * for every category without a row"})
    category_label = fields.String()
    lead_code = fields.String()
    lead_name = fields.String()
    partner_code = fields.String(allow_none=True)
    partner_name = fields.String(allow_none=True)


class LeadUnitList(ma.Schema):
    items = fields.List(fields.Nested(LeadUnit))
