"""Database migration: discover, assess, copy and verify PostgreSQL and MySQL/MariaDB."""
