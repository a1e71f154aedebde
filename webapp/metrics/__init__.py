"""Activity metrics: definitions, facts kept by the visit write path, counting, charts, explanations."""
