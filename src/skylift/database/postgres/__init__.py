"""PostgreSQL: discovery, schema sections, COPY streaming, logical replication, checksums."""
