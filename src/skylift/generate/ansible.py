"""Ansible: an inventory of the rehosted VMs and playbooks that prepare and deploy them.

Only ``ansible.builtin`` modules are used, so a bare ansible-core runs them.
Secrets never appear as values: they are read with ``lookup('ansible.builtin.env', …)``
at run time (or from an ansible-vault file the user creates).
"""

from __future__ import annotations

from dataclasses import dataclass

from skylift.domain.target import ServiceRole, TargetSpec
from skylift.generate.names import dns_name
from skylift.generate.render import render

BASE_PACKAGES = ("chrony", "auditd", "rsyslog", "ca-certificates", "curl")


@dataclass(frozen=True)
class InventoryHost:
    """One host in the inventory."""

    name: str
    group: str
    ports: tuple[int, ...]
    windows: bool


@dataclass(frozen=True)
class AnsibleContext:
    """What the inventory and playbooks render."""

    app: str
    groups: dict[str, tuple[InventoryHost, ...]]
    packages: tuple[str, ...]
    app_user: str
    app_port: int
    windows: tuple[InventoryHost, ...]


def build_context(target: TargetSpec) -> AnsibleContext:
    """Group rehosted (non-database-replatformed) hosts by role."""
    groups: dict[str, list[InventoryHost]] = {}
    windows: list[InventoryHost] = []
    for h in target.hosts:
        if h.db_engine is not None:
            continue  # replatformed to a managed database: nothing to configure
        host = InventoryHost(
            name=h.name, group=h.role.value, ports=h.ports, windows=h.os_family == "windows"
        )
        if host.windows:
            windows.append(host)
        else:
            groups.setdefault(h.role.value, []).append(host)
    port = next(
        (p for h in target.hosts if h.role is ServiceRole.WEB for p in h.ports if p != 443), 8080
    )
    return AnsibleContext(
        app=dns_name(target.name),
        groups={k: tuple(v) for k, v in sorted(groups.items())},
        packages=BASE_PACKAGES,
        app_user=dns_name(target.name).replace("-", "_")[:30],
        app_port=port,
        windows=tuple(windows),
    )


def render_ansible(target: TargetSpec) -> dict[str, str]:
    """inventory.yml, group_vars/all.yml and the playbooks (paths relative to ``ansible/``)."""
    ctx = build_context(target)
    return {
        "inventory.yml": render("ansible/inventory.yml.j2", ctx=ctx),
        "group_vars/all.yml": render("ansible/all.yml.j2", ctx=ctx),
        "site.yml": render("ansible/site.yml.j2", ctx=ctx),
        "prepare.yml": render("ansible/prepare.yml.j2", ctx=ctx),
        "deploy.yml": render("ansible/deploy.yml.j2", ctx=ctx),
    }
