"""The target clouds skylift knows by name.

One enum for the whole package: settings (``targets``), ``--clouds``,
``generate --cloud`` and policies read it. What each cloud *is* (families,
disks, services, Terraform names) lives in :mod:`skylift.clouds`, one module per
cloud; this enum only names them. Pure values, no other skylift imports.
"""

from __future__ import annotations

from enum import StrEnum


class Cloud(StrEnum):
    """A target cloud skylift sizes and generates for (its :mod:`skylift.clouds` name)."""

    AWS = "aws"
    AZURE = "azure"
    GCP = "gcp"
