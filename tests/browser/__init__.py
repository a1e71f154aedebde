"""Browser tests: a real Chromium, through Playwright, against the app served on a local port."""
