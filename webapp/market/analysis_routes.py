"""The market analysis page on the market blueprint: district by industry, funding seasonality, penetration map."""
from __future__ import annotations

from flask import render_template
from flask_login import current_user, login_required

from webapp.bank_time import clock_now
from webapp.market.analysis import district_industry_table, funding_seasonality, penetration_markers
from webapp.market.web import bp
from webapp.metrics.store import definitions_for
from webapp.sweeps.mapdata import map_settings, markers_json


@bp.get("/analysis")
@login_required
def analysis() -> str:
    definitions = definitions_for(current_user.branch_id)
    seasons = funding_seasonality(current_user)
    top = max((max(s.disbursed + s.surveyed) for s in seasons), default=0)
    return render_template(
        "market/analysis.html", table=district_industry_table(current_user, definitions, clock_now()),
        seasons=seasons, top=top, markers=markers_json(list(penetration_markers(current_user, definitions))),
        map=map_settings(current_user.sub_branch_id))
