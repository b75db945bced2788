"""The commented ``skylift.yaml`` written by ``skylift init``."""

from __future__ import annotations

SKYLIFT_YAML = """\
# skylift workspace settings.
# Precedence: built-in defaults < this file < SKYLIFT_* environment variables
# (nested keys with '__', e.g. SKYLIFT_SIZING__WINDOW_DAYS=7) < command flags.
# Every key is optional; delete a line to get the default back.

project: {project}
currency: USD            # reporting currency (catalog prices are USD)

# Target clouds and the regions to compare in each. 'skylift catalog show'
# lists what the bundled price catalog covers.
targets:
  - cloud: aws
    regions: [us-east-1]
  - cloud: azure
    regions: [eastus, westeurope]
  - cloud: gcp
    regions: [us-central1, europe-west1]

# Right-sizing policy (docs/assess.md).
sizing:
  method: performance      # performance | as-is (allocated cores and memory)
  window_days: 30          # 1 | 7 | 30: history considered
  cpu_statistic: p95       # avg | p50 | p90 | p95 | p99 | max over 10-minute peaks
  memory_statistic: p95
  headroom:
    style: comfort_factor  # comfort_factor (x1.3) | percent (+20) | target_utilisation (70 -> /0.7)
    value: 1.3
  cpu_speed_multiplier: 1.0   # 0.8 when the target CPU is 25 % faster
  forecast_horizon_months: 12
  pricing: on_demand       # on_demand | spot | commit_1y | commit_3y
  uptime_hours_month: 730
  discount_pct: 0          # negotiated discount off list price
  allow_burstable: false
  exclude_families: []     # e.g. [t2, Standard_A]

# Business goals, 1 (unimportant) .. 5 (critical): they shift the strategy.
goals:
  license_cost: 3
  modernise: 3
  managed_services: 3
  speed: 3

# Planning limits (docs/plan.md).
constraints:
  max_servers_per_wave: 50
  max_tb_per_wave: 20
  bandwidth_mbps: 1000
  cutover_window_hours: 8
  compression_ratio: 0.6

# State store. Default: SQLite inside .skylift/. A team can share PostgreSQL:
#   url: postgresql+psycopg://user@host/skylift   (password from PGPASSWORD)
state:
  url: null

# Named storage remotes for 'skylift transfer' (credentials come from the
# environment or the cloud's identity, never from this file).
remotes: {{}}

# Migration policies checked by 'skylift scan' on the plan and the generated
# target (docs/scan.md); each finding names the rule (SKY-POL-...).
policies:
  allowed_regions: []      # data residency; [] = any. e.g. [eu-west-1, "azure:westeurope", "eu-*"]
  require_encryption_at_rest: true     # databases, volumes, buckets
  require_encryption_in_transit: true  # TLS on listeners, storage and databases; Ingress tls
  public_ports: [80, 443]  # the only ports open to the internet, and only on the web tier
  # words in a server's or resource's name or tags that mark the web tier
  web_tier: [web, www, lb, alb, elb, nlb, frontend, ingress, proxy, gateway, edge, public]
  forbid_plaintext: true   # FTP 21, telnet 23, TFTP, POP3, IMAP, rexec, rlogin; HTTP without HTTPS
  retired_must_be_excluded: true  # retire/zombie servers must be decommissioned, not put in a wave,
  migrate_anyway: []       # unless named here (server names or keys)
"""


def render(project: str) -> str:
    """Return the commented settings file for ``project``."""
    return SKYLIFT_YAML.format(project=project)
