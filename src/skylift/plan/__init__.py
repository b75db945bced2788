"""Planning: dependency groups, waves, schedule, deployment strategy, consolidation."""
