"""The post-loan pages: registering the view modules on the one blueprint."""
from __future__ import annotations

from webapp.postloan import board_views, check_views, warning_views
from webapp.postloan.blueprint import bp

__all__ = ["board_views", "bp", "check_views", "warning_views"]
