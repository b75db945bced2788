"""The S3 backend (:mod:`.backend`, the registered class) over its botocore client
(:mod:`.client`)."""
