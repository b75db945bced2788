"""Verification that the migration worked: data and service checks."""
