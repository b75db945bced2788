"""Rule 7 of docs/assess.md §2: among equally cheap fitting types, fewer vCPUs, then less
memory, then the name wins — checked by brute force over the shipped CSVs.

The price oracle (test_pricing_oracle.py) compares prices only; this pins which
type the engine names when several cost the same, for plain x86_64 servers
under the default policy, on every region's boundary demands.
"""

from __future__ import annotations

import numpy as np
import pytest

from skylift.catalog.loader import Catalog, load_catalog
from tests.unit.assess import oracle_rules as rules
from tests.unit.assess.test_pricing_oracle import (
    CLOUD_REGIONS,
    TOL,
    engine,
    grid_demands,
    offers,
)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    """The bundled catalog."""
    return load_catalog()


@pytest.mark.parametrize(("cloud", "region"), CLOUD_REGIONS)
def test_ties_go_to_fewer_vcpus_then_less_memory_then_the_name(
    catalog: Catalog, cloud: str, region: str
) -> None:
    eligible = sorted(
        (
            o
            for o in offers(cloud, region)
            if o.arch == "x86_64"
            and not o.burstable
            and rules.family_class(cloud, o.instance_type) in rules.DEFAULT_CLASSES
        ),
        key=lambda o: (o.prices["on_demand"] or 0.0, o.vcpus, o.memory_gib, o.instance_type),
    )  # rule 7 order: the first fitting one in this order is the answer
    demands = grid_demands(cloud, region)
    got = engine(catalog, cloud, region, demands)["instance_type"].to_list()
    v = np.array([o.vcpus for o in eligible])
    m = np.array([o.memory_gib for o in eligible])
    price = np.array([o.prices["on_demand"] or 0.0 for o in eligible])
    cpu = np.array([round(d.cpu, 6) for d in demands])
    mem = np.array([round(d.mem, 6) for d in demands])
    fits = (v[None, :] >= cpu[:, None] - TOL) & (m[None, :] >= mem[:, None] - TOL)
    tied = 0
    for i, chosen in enumerate(got):
        if not fits[i].any():
            continue
        first = int(np.argmax(fits[i]))
        want = eligible[first].instance_type
        tied += int((fits[i] & (price == price[first])).sum() > 1)
        assert chosen == want, (demands[i], chosen, want)
    assert tied or cloud != "azure"  # Azure has equal-price sizes in every region
