"""Per-volume limits of each cloud's block-storage types (size, IOPS, MB/s).

A disk beyond one volume's limit is split into ``n`` equal striped volumes
(RAID 0 / LVM striping in the guest: each gets 1/n of the size, IOPS and
MB/s), the smallest ``n`` that fits, up to :data:`MAX_STRIPE`; beyond that the
disk is not priced and its server is not ready (rule ``disk-over-limit``).

Limits (per volume, from the providers' documentation as summarised in the
reference sizing notes; GCP values are the per-disk maxima that larger VMs
reach):

=========================  ==========  =========  ========
type                       max GiB     max IOPS   max MB/s
=========================  ==========  =========  ========
AWS gp3                    16,384      16,000     1,000
AWS io2 (Block Express)    65,536      256,000    4,000
Azure Premium SSD (P80)    32,767      20,000     900
Azure Standard SSD (E80)   32,767      6,000      750
GCP pd-standard            65,536      7,500      1,200
GCP pd-balanced            65,536      80,000     1,200
GCP pd-ssd                 65,536      100,000    1,200
=========================  ==========  =========  ========
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class VolumeLimit:
    """Largest single volume of one disk type."""

    size_gib: float
    iops: float
    mbps: float


LIMITS: dict[str, VolumeLimit] = {
    "gp3": VolumeLimit(16_384, 16_000, 1_000),
    "io2": VolumeLimit(65_536, 256_000, 4_000),
    "premium-ssd": VolumeLimit(32_767, 20_000, 900),
    "standard-ssd": VolumeLimit(32_767, 6_000, 750),
    "pd-standard": VolumeLimit(65_536, 7_500, 1_200),
    "pd-balanced": VolumeLimit(65_536, 80_000, 1_200),
    "pd-ssd": VolumeLimit(65_536, 100_000, 1_200),
}
#: Most volumes one disk is striped over (beyond: not priced, not ready).
MAX_STRIPE = 16


def volumes(
    kind: str,
    size: npt.NDArray[np.float64],
    iops: npt.NDArray[np.float64],
    mbps: npt.NDArray[np.float64],
) -> npt.NDArray[np.int64]:
    """Fewest equal volumes of ``kind`` that hold each disk (may exceed :data:`MAX_STRIPE`)."""
    lim = LIMITS[kind]
    need = np.maximum.reduce(
        [
            np.ceil(size / lim.size_gib - 1e-9),
            np.ceil(iops / lim.iops - 1e-9),
            np.ceil(mbps / lim.mbps - 1e-9),
            np.ones(len(size)),
        ]
    )
    out: npt.NDArray[np.int64] = need.astype(np.int64)
    return out
