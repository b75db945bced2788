"""A real Prometheus for tests, demo and benchmarks over backfilled history (not production)."""
