"""Today: a manager's work for the day (sweep-day merchants, follow-ups and post-loan checks due) as a walking route."""
