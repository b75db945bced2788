"""Migration policies as values: what ``policies:`` in skylift.yaml may say, and the
facts about a workspace's plan the policies are checked against.

Pure data and small pure rules (region and web-tier matching); the checks
themselves live in :mod:`skylift.security.policies`.
"""

from __future__ import annotations

import re
from fnmatch import fnmatchcase

from pydantic import BaseModel, ConfigDict, Field, field_validator

from skylift.domain.cloud import Cloud
from skylift.domain.value import Value

_CLOUDS = tuple(c.value for c in Cloud)

#: Words that mark the web tier in a server's or resource's name or tags
#: (``prd-web01``, ``shop-lb``, ``tier: frontend``).
WEB_TIER_WORDS = (
    "web", "www", "lb", "alb", "elb", "nlb", "frontend", "ingress", "proxy", "gateway", "edge",
    "public",
)  # fmt: skip

#: Plaintext protocols by port: credentials and data cross the network unencrypted.
PLAINTEXT_PORTS: dict[int, str] = {
    21: "FTP",
    23: "telnet",
    69: "TFTP",
    110: "POP3",
    143: "IMAP",
    512: "rexec",
    513: "rlogin",
}


def normalise_region(region: str) -> str:
    """``West Europe`` → ``westeurope``; ``EU-West-1`` → ``eu-west-1``."""
    return re.sub(r"[\s_]+", "", region.strip().lower())


def words(text: str) -> set[str]:
    """Lower-case words of a name, split at punctuation and letter/digit changes
    (``prd-web01`` → {prd, web, 01}, ``${var.app}-lb`` → {var, app, lb})."""
    return set(re.findall(r"[a-z]+|[0-9]+", text.lower()))


class PolicySettings(BaseModel):
    """The ``policies:`` section of skylift.yaml, checked by ``skylift scan``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: Regions data may live in; empty allows any. ``cloud:region`` or a bare
    #: region, shell-style wildcards allowed (``eu-*``, ``azure:*europe``).
    allowed_regions: tuple[str, ...] = ()
    require_encryption_at_rest: bool = True
    require_encryption_in_transit: bool = True
    #: Ports the web tier may open to the internet; nothing else may be public.
    public_ports: tuple[int, ...] = (80, 443)
    #: Words in a name or tag value that mark the web tier (see :data:`WEB_TIER_WORDS`).
    web_tier: tuple[str, ...] = WEB_TIER_WORDS
    forbid_plaintext: bool = True
    plaintext_ports: dict[int, str] = Field(default_factory=lambda: dict(PLAINTEXT_PORTS))
    #: Servers the assessment marks retire or zombie must be decommissioned, not migrated …
    retired_must_be_excluded: bool = True
    #: … unless named here (server names or keys): a decision, not an accident.
    migrate_anyway: tuple[str, ...] = ()

    @field_validator("allowed_regions")
    @classmethod
    def _regions(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        out = []
        for entry in value:
            cloud, sep, region = entry.partition(":")
            if sep and cloud.strip().lower() not in _CLOUDS:
                raise ValueError(f"'{entry}': the cloud before ':' must be one of {_CLOUDS}")
            if not (region if sep else cloud).strip():
                raise ValueError(f"'{entry}': no region")
            out.append(f"{cloud.strip().lower()}:{normalise_region(region)}" if sep else
                       normalise_region(entry))  # fmt: skip
        return tuple(out)

    @field_validator("public_ports")
    @classmethod
    def _ports(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        bad = [p for p in value if not 0 < p < 65536]
        if bad:
            raise ValueError(f"not a port: {bad[0]}")
        return value

    def region_allowed(self, cloud: str, region: str) -> bool:
        """Whether ``region`` of ``cloud`` is allowed (always, when no list is set)."""
        if not self.allowed_regions:
            return True
        name = normalise_region(region)
        for entry in self.allowed_regions:
            want_cloud, sep, pattern = entry.partition(":")
            if not sep:
                want_cloud, pattern = "", entry
            if want_cloud and want_cloud != cloud.lower():
                continue
            if fnmatchcase(name, pattern):
                return True
        return False

    def is_web_tier(self, *names: str) -> bool:
        """Whether any of ``names`` (a name, tag values) has a web-tier word."""
        wanted = {w.lower() for w in self.web_tier}
        return any(words(n) & wanted for n in names if n)

    def is_acknowledged(self, *names: str) -> bool:
        """Whether a retire/zombie server was deliberately kept in the migration."""
        listed = {m.lower() for m in self.migrate_anyway}
        return any(n.lower() in listed for n in names if n)


class RegionUse(Value):
    """A region the migration targets, and where that choice is written."""

    cloud: str
    region: str
    where: str  #: ``skylift.yaml targets``, ``assessment run 3`` …


class MigratingServer(Value):
    """What the policies need to know about one server placed in a migration wave."""

    key: str
    name: str
    wave: int = Field(ge=1)
    strategy: str | None = None  #: the assessment's preferred strategy (``retire`` …)
    utilisation_class: str | None = None  #: ``active``, ``idle``, ``zombie``, ``unknown``
    #: ports it serves: observed inbound connections per port (0 = listening, not seen used)
    ports: dict[int, int] = Field(default_factory=dict)
    tags: dict[str, str] = Field(default_factory=dict)


class PolicyInput(Value):
    """Everything the migration policies check, read from a workspace (or defaults)."""

    settings: PolicySettings = PolicySettings()
    regions: tuple[RegionUse, ...] = ()
    servers: tuple[MigratingServer, ...] = ()  #: servers placed in waves (empty: no plan)
    plan_found: bool = False
    assessment_found: bool = False
