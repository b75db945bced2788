"""Cloud profiles and the registry (skylift.clouds)."""
