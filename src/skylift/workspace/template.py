"""The commented ``skylift.yaml`` written by ``skylift init``."""

from __future__ import annotations

SKYLIFT_YAML = """\
# skylift workspace settings.
# Precedence: built-in defaults < this file < SKYLIFT_* environment variables
# (nested keys with '__', e.g. SKYLIFT_SIZING__WINDOW_DAYS=7) < command flags.
# Every key is optional; delete a line to get the default back.

project: {project}
currency: USD            # reporting currency (others: see assess.currency_rates)

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
  pricing: on_demand       # on_demand | spot | commit_1y | commit_3y
  uptime_hours_month: 730
  discount_pct: 0          # negotiated discount off list price
  allow_burstable: false
  exclude_families: []     # e.g. [t2, Standard_A]

# Assessment: demand forecast, utilisation classes, warnings (docs/assess.md).
assess:
  forecast:
    enabled: false         # true: size to max(observed, forecast); docs/forecast.md
    horizon_months: 12     # plan for this far ahead (0 = no forecast)
    min_history_days: 7    # shorter history: size to the observed statistic
  classes:                 # on window averages; zombie -> retire, idle -> retire candidate
    idle_cpu_pct: 5        # idle: CPU, memory and network all below these
    idle_mem_pct: 5
    idle_net_pct: 2        # of nic_mbps
    zombie_pct: 0.5        # zombie: all three at or below this ("0 %" as displayed)
    nic_mbps: 1000
  families:                # instance-family classes recommended (docs/assess.md)
    classes: [general, compute, memory]  # also: storage, hpc, confidential, previous, other
    partial_gpus: false    # GPU servers may get a share of a GPU (e.g. 1/6 of an A10)
  include_powered_off: false  # size, cost and plan powered-off VMs (default: retire candidates)
  currency_rates: {{}}     # 'currency' per unit of a catalog currency, e.g. {{CNY: 0.14}}
  confidence_warn_pct: 80  # warn when a server has fewer of its expected data points
  egress_share_pct: 10     # share of observed network-out that leaves the cloud (billed)

# On-prem cost assumptions for the TCO (Azure Migrate business-case defaults;
# money in 'currency' per server-year unless said otherwise).
tco:
  hw_cost_per_core_slope: 16.232   # hardware = cores x (slope x GB per HT core + base)
  hw_cost_per_core_base: 113.87
  hw_depreciation_years: 4
  storage_cost_per_gb: 2.0         # purchase, per provisioned GB
  storage_depreciation_years: 4
  storage_maintenance_pct: 10
  network_share_pct: 10            # network = share of compute + storage purchase
  network_depreciation_years: 5
  network_maintenance_pct: 15
  security_per_server_year: 250
  security_per_sql_server_year: 1000
  monitoring_per_server_year: 430
  patching_per_server_year: 430
  backup_per_server_year: 580
  kw_per_core: 0.009               # energy = cores x kW x load factor x PUE x 8,760 h x price
  load_factor: 2.0
  pue: 1.8
  energy_price_kwh: 0.12
  ramp: [0.2, 0.5, 1.0, 1.0, 1.0]  # share migrated in years 1..5
  discount_rate_pct: 7             # for the NPV of savings
  migration_cost_per_server: 0     # one-off; drives the payback period

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
