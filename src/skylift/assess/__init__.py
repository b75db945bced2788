"""Assessment: right-sizing, forecast, readiness, confidence, strategy, cost and TCO."""
