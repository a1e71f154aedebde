"""Offline sync: the status page, the session and offline-page answers for the phone, and held photos."""
