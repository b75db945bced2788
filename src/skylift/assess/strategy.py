"""Strategy (7 Rs) and service model per server and per application.

Detection: a database by listening port or process (3306 MySQL, 5432
PostgreSQL, 1433 SQL Server, 1521 Oracle, 27017 MongoDB, 6379 Redis …), by
dependency edges that reach the server on such a port, or by name hints; a web
or app server by port (80, 443, 8080 …), process (nginx, httpd, w3wp, tomcat,
node …) or name. Eligible options follow from the traits (zombie → retire;
database → managed database; web/app → containers or app hosting; OS not
supported on any target → retain or replatform; VMware source → relocate).

Scoring: each option has a fit 0–1 for each business goal (license cost,
modernise, managed services, speed); the score is the goal-weighted mean of the
fits with the weights from skylift.yaml (1–5). The best eligible option is
preferred, the rest are alternatives (see docs/assess.md for the table).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import polars as pl

from skylift.assess.policy import ClassThresholds, GoalWeights
from skylift.clouds import profiles
from skylift.domain.assessment import (
    ServiceModel,
    Strategy,
    StrategyChoice,
    StrategyOption,
    UtilisationClass,
)
from skylift.domain.inventory import Dependency, OsFamily, Server

DB_PORTS: dict[int, str] = {
    3306: "mysql", 5432: "postgresql", 1433: "sqlserver", 1521: "oracle", 27017: "mongodb",
    6379: "redis", 11211: "memcached", 9042: "cassandra", 9200: "elasticsearch", 50000: "db2",
}  # fmt: skip
DB_PROCESSES: dict[str, str] = {
    "mysqld": "mysql", "mariadbd": "mysql", "postgres": "postgresql", "sqlservr": "sqlserver",
    "tnslsnr": "oracle", "oracle": "oracle", "mongod": "mongodb", "redis-server": "redis",
    "memcached": "memcached", "cassandra": "cassandra", "elasticsearch": "elasticsearch",
}  # fmt: skip
WEB_PORTS = frozenset({80, 443, 8080, 8443, 8000, 8888, 3000, 5000, 9000})
WEB_PROCESSES = (
    "nginx", "httpd", "apache", "w3wp", "tomcat", "node", "gunicorn", "uwsgi",
    "php-fpm", "iis", "jboss", "wildfly", "weblogic", "websphere", "caddy",
)  # fmt: skip
MAIL_PORTS = frozenset({25, 587, 993, 995, 110, 143})
_DB_NAME = re.compile(
    r"(?i)(^|[-_.\d])(db|sql|mysql|pgsql|postgres|mongo|redis|ora|oracle)([-_.\d]|$)"
)
_WEB_NAME = re.compile(r"(?i)(^|[-_.\d])(web|www|app|api|iis|portal|front)([-_.\d]|$)")


def managed_db(engine: str) -> dict[str, str]:
    """The managed service for database ``engine`` on each registered cloud
    (its profile's ``services.databases``; ``database`` for any other engine)."""
    return {
        p.name: p.services.databases.get(engine, p.services.databases["database"])
        for p in profiles()
    }


def _services(option: str) -> dict[str, str]:
    """The target service of a strategy option on each registered cloud."""
    return {p.name: getattr(p.services, option) for p in profiles()}


#: Managed database/cache/search service per engine and cloud (registered at import).
MANAGED_DB: dict[str, dict[str, str]] = {
    engine: managed_db(engine)
    for engine in dict.fromkeys(e for p in profiles() for e in p.services.databases)
}

#: Fit of each option for (license_cost, modernise, managed_services, speed).
FITS: dict[str, tuple[float, float, float, float]] = {
    "retire": (1.0, 0.0, 1.0, 1.0),
    "retain": (0.0, 0.0, 0.0, 0.6),
    "rehost": (0.2, 0.1, 0.2, 1.0),
    "relocate": (0.0, 0.0, 0.1, 0.9),
    "repurchase": (0.5, 0.7, 1.0, 0.4),
    "replatform-db": (0.6, 0.6, 1.0, 0.5),
    "replatform-containers": (0.7, 0.9, 0.7, 0.5),
    "replatform-app": (0.6, 0.7, 0.8, 0.5),
    "refactor": (0.8, 1.0, 0.7, 0.1),
}


@dataclass(frozen=True)
class Traits:
    """What the strategy rules look at for one server."""

    name: str
    utilisation_class: UtilisationClass = UtilisationClass.UNKNOWN
    db_engine: str | None = None
    web: bool = False
    mail: bool = False
    os_supported: bool = True
    vmware: bool = False
    windows: bool = False
    powered_off: bool = False


def score(option: str, goals: GoalWeights) -> float:
    """Goal-weighted mean fit of ``option`` (0–1)."""
    w = (goals.license_cost, goals.modernise, goals.managed_services, goals.speed)
    fit = FITS[option]
    return round(sum(a * b for a, b in zip(w, fit, strict=True)) / sum(w), 3)


def _option(key: str, goals: GoalWeights, reason: str, factor: float = 1.0) -> StrategyOption:
    strategy, model, targets = {
        "retire": (Strategy.RETIRE, ServiceModel.NONE, ""),
        "retain": (Strategy.RETAIN, ServiceModel.ON_PREMISES, ""),
        "rehost": (Strategy.REHOST, ServiceModel.IAAS_VM, "vms"),
        "relocate": (Strategy.RELOCATE, ServiceModel.IAAS_VM, "relocate"),
        "repurchase": (Strategy.REPURCHASE, ServiceModel.SAAS, "saas"),
        "replatform-containers": (Strategy.REPLATFORM, ServiceModel.PAAS_CONTAINERS, "containers"),
        "replatform-app": (Strategy.REPLATFORM, ServiceModel.PAAS_APP_HOSTING, "app_hosting"),
        "refactor": (Strategy.REFACTOR, ServiceModel.PAAS_APP_HOSTING, "serverless"),
    }.get(key, (Strategy.REPLATFORM, ServiceModel.PAAS_DATABASE, ""))
    return StrategyOption(
        strategy=strategy,
        service_model=model,
        score=round(score(key, goals) * factor, 3),
        reason=reason,
        targets=_services(targets) if targets else {},
    )


def choose(
    traits: Traits, goals: GoalWeights, thresholds: ClassThresholds | None = None
) -> StrategyChoice:
    """Preferred option and alternatives for one server (``thresholds`` name the idle limits)."""
    t = thresholds or ClassThresholds()
    opts: list[StrategyOption] = []
    cls = traits.utilisation_class
    if traits.powered_off:
        off = _option("retire", goals, "powered off: retire candidate (confirm with the owner)")
        opts.append(off.model_copy(update={"score": 1.0}))
    elif cls is UtilisationClass.ZOMBIE:
        retire = _option("retire", goals, "zombie: no CPU, memory or network use over the window")
        opts.append(retire.model_copy(update={"score": 1.0}))
    elif cls is UtilisationClass.IDLE:
        idle = (
            f"idle: below {t.idle_cpu_pct:g} % CPU, {t.idle_mem_pct:g} % memory, "
            f"{t.idle_net_pct:g} % network"
        )
        opts.append(_option("retire", goals, idle, 0.5))
    if traits.db_engine is not None:
        db = _option(
            "replatform-db", goals, f"database detected ({traits.db_engine}) → managed service"
        )
        opts.append(db.model_copy(update={"targets": managed_db(traits.db_engine)}))
    if traits.web:
        opts.append(_option("replatform-containers", goals, "web/app server → containers"))
        opts.append(_option("replatform-app", goals, "web/app server → managed app hosting"))
        opts.append(_option("refactor", goals, "web/app server could be re-architected"))
    if traits.mail:
        opts.append(_option("repurchase", goals, "mail server → SaaS"))
    if traits.os_supported:
        opts.append(_option("rehost", goals, "lift and shift to a right-sized VM"))
        if traits.vmware:
            opts.append(_option("relocate", goals, "VMware source → VMware service in the cloud"))
    else:
        opts.append(_option("retain", goals, "OS not supported on any target cloud"))
        if not (traits.web or traits.db_engine):
            opts.append(_option("replatform-app", goals, "OS not supported: replatform the app"))
    opts.sort(key=lambda o: -o.score)
    return StrategyChoice(subject=traits.name, preferred=opts[0], alternatives=tuple(opts[1:]))


def detect(
    servers: Sequence[Server], dependencies: Iterable[Dependency]
) -> dict[str, tuple[str | None, bool, bool]]:
    """Per server key: (database engine or None, is web/app, is mail)."""
    inbound: dict[str, set[int]] = defaultdict(set)
    for d in dependencies:
        if d.target_key is not None:
            inbound[d.target_key].add(d.port)
    out: dict[str, tuple[str | None, bool, bool]] = {}
    for s in servers:
        ports = {v.port for v in s.services} | inbound.get(s.key, set())
        procs = [(v.process or "").lower() for v in s.services]
        engine = next((DB_PORTS[p] for p in sorted(ports) if p in DB_PORTS), None)
        if engine is None:
            engine = next(
                (e for p in procs for k, e in DB_PROCESSES.items() if p.startswith(k)), None
            )
        if engine is None and (_DB_NAME.search(s.name) or _DB_NAME.search(s.application or "")):
            engine = "database"
        web = bool(ports & WEB_PORTS) or any(w in p for p in procs for w in WEB_PROCESSES)
        web = web or bool(_WEB_NAME.search(s.name))
        mail = bool(ports & MAIL_PORTS) or any("exchange" in p for p in procs)
        out[s.key] = (engine, web, mail)
    return out


_COLUMNS = ("strategy", "service_model", "strategy_reason", "strategy_score", "alternatives")


def strategy_frame(
    servers: Sequence[Server],
    dependencies: Iterable[Dependency],
    classes: dict[str, str],
    unsupported: set[str],
    goals: GoalWeights,
    thresholds: ClassThresholds | None = None,
    powered_off: frozenset[str] = frozenset(),
) -> tuple[pl.DataFrame, dict[str, StrategyChoice]]:
    """Per-server strategy columns, and the choice per server key (typed).

    Servers in ``powered_off`` are retire candidates first (their other options
    stay as alternatives).
    """
    found = detect(servers, dependencies)
    rows: dict[str, list[object]] = defaultdict(list)
    choices: dict[str, StrategyChoice] = {}
    # a handful of distinct trait combinations: decide each once, stamp the subject per server
    cache: dict[tuple[object, ...], tuple[StrategyChoice, tuple[object, ...]]] = {}
    for s in servers:
        engine, web, mail = found[s.key]
        key = (classes.get(s.key, "unknown"), engine, web, mail, s.key not in unsupported,
               s.source == "rvtools", s.os_family is OsFamily.WINDOWS,
               s.key in powered_off)  # fmt: skip
        hit = cache.get(key)
        if hit is None:
            cls, *rest = key
            traits = Traits("", UtilisationClass(cls), *rest)  # type: ignore[arg-type]
            decided = choose(traits, goals, thresholds)
            p = decided.preferred
            alts = "; ".join(
                f"{a.strategy.value}/{a.service_model.value}" for a in decided.alternatives
            )
            hit = cache[key] = (
                decided,
                (p.strategy.value, p.service_model.value, p.reason, p.score, alts),
            )
        decided, cols = hit
        # validated once per combination above; only the subject differs per server
        choices[s.key] = StrategyChoice.model_construct(
            subject=s.name, preferred=decided.preferred, alternatives=decided.alternatives
        )
        rows["server_key"].append(s.key)
        for name, value in zip(_COLUMNS, cols, strict=True):
            rows[name].append(value)
        rows["db_engine"].append(engine)
    schema = {
        "server_key": pl.String, "strategy": pl.String, "service_model": pl.String,
        "strategy_reason": pl.String, "strategy_score": pl.Float64, "alternatives": pl.String,
        "db_engine": pl.String,
    }  # fmt: skip
    return pl.DataFrame(dict(rows), schema=schema), choices


def application_strategies(
    servers: Sequence[Server], choices: dict[str, StrategyChoice]
) -> tuple[StrategyChoice, ...]:
    """Per application: the most common preferred option (ties: higher mean score)."""
    by_app: dict[str, list[StrategyChoice]] = defaultdict(list)
    for s in servers:
        if s.application and s.key in choices:
            by_app[s.application].append(choices[s.key])
    out = []
    for app, cs in sorted(by_app.items()):
        counts: Counter[tuple[str, str]] = Counter()
        scores: dict[tuple[str, str], list[float]] = defaultdict(list)
        sample: dict[tuple[str, str], StrategyOption] = {}
        for c in cs:
            k = (c.preferred.strategy.value, c.preferred.service_model.value)
            counts[k] += 1
            scores[k].append(c.preferred.score)
            sample.setdefault(k, c.preferred)
        ranked = sorted(counts, key=lambda k: (-counts[k], -sum(scores[k]) / len(scores[k])))
        opts = [
            sample[k].model_copy(
                update={
                    "score": round(sum(scores[k]) / len(scores[k]), 3),
                    "reason": f"{counts[k]} of {len(cs)} servers: {sample[k].reason}",
                }
            )
            for k in ranked
        ]
        out.append(StrategyChoice(subject=app, preferred=opts[0], alternatives=tuple(opts[1:])))
    return tuple(out)
