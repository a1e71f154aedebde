"""Branch review of visit photo logs: queue, evidence, decisions, sampling and exports."""
