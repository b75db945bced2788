"""The SFTP backend (:mod:`.backend`, the registered class): SSH connections (:mod:`.connection`)
and parallel part uploads (:mod:`.parts`)."""
