"""Contract suite: the same tests against every storage backend."""
