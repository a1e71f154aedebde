"""Scope for market and peer intelligence (webapp.market): peer records belong to a sub-branch (branch-wide roles
see their branch), recorded by the field roles; the product catalogue is the branch's, kept by its admin."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from webapp.models import OurProduct, PeerRecord, Survey, User
from webapp.scope.core import one_or_404, visible_sub_branch_ids


def peer_condition(user: User) -> ColumnElement[bool]:
    return PeerRecord.sub_branch_id.in_(visible_sub_branch_ids(user))


def product_condition(user: User) -> ColumnElement[bool]:
    return OurProduct.branch_id == user.sub_branch.branch_id


def get_product_or_404(user: User, product_id: int) -> OurProduct:
    return one_or_404(sa.select(OurProduct).where(OurProduct.id == product_id, product_condition(user)))


def survey_condition(user: User) -> ColumnElement[bool]:
    return Survey.sub_branch_id.in_(visible_sub_branch_ids(user))


def get_survey_or_404(user: User, survey_id: int) -> Survey:
    return one_or_404(sa.select(Survey).where(Survey.id == survey_id, survey_condition(user)))
