"""Integrity checks beyond one record: reused photos, copied reports, device and check-in signals, and the
precision of every flag code as reviewers judge it."""
