"""Needs your action: one list per person of what they must do next, fed by every module."""
