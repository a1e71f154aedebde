"""The post-loan blueprint; its views live in check_views, board_views and warning_views."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("postloan", __name__, url_prefix="/postloan")
