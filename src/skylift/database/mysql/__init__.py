"""MySQL and MariaDB: discovery, offline copy, checksums."""
