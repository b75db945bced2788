"""Storage unit tests (no servers)."""
