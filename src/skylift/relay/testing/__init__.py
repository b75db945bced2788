"""Loopback network paths for relay tests, benchmarks and the demo (shaped in a private netns)."""
