"""The market blueprint, shared by the peer, catalogue and survey views (and the analysis views)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("market", __name__, url_prefix="/market")
