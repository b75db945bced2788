"""The Azure Blob backend (:mod:`.backend`, the registered class) and its block uploads
(:mod:`.blocks`)."""
