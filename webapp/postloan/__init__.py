"""Post-loan management: check rules, each loan's schedule, on-site and off-site checks, reports, warnings."""
