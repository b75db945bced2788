"""The Google Cloud Storage backend (:mod:`.backend`, the registered class) over its JSON API client
(:mod:`.client`)."""
