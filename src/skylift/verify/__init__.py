"""Verification that the migration worked: data checks (:func:`verify`), later service checks."""

from skylift.verify.data import verify

__all__ = ["verify"]
