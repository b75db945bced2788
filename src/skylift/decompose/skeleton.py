"""A skeleton docker-compose file: one service per proposed partition.

``skylift generate --compose`` reads it like any compose file: each service
gets an image name, an exposed port and labels saying which classes, entry
points and tables it holds, so the generated manifests carry the split.
"""

from __future__ import annotations

from typing import Any

import yaml


def compose(name: str, services: list[dict[str, Any]]) -> str:
    """The compose YAML text (services in partition order)."""
    doc: dict[str, Any] = {"name": name, "services": {}}
    for svc in services:
        doc["services"][svc["name"]] = {
            "image": f"{name}/{svc['name']}:0.1.0",
            "expose": ["8080"],
            "labels": {
                "skylift.decompose.classes": str(len(svc["classes"])),
                "skylift.decompose.entry-points": str(len(svc["entry_points"])),
                "skylift.decompose.tables": ",".join(svc["owned_tables"]) or "-",
            },
        }
    header = "# Skeleton from `skylift decompose`: one service per proposed partition.\n"
    return header + yaml.safe_dump(doc, sort_keys=False)
