"""Per-volume limits of each cloud's block-storage types (size, IOPS, MB/s).

A disk beyond one volume's limit is split into ``n`` equal striped volumes
(RAID 0 / LVM striping in the guest: each gets 1/n of the size, IOPS and
MB/s), the smallest ``n`` that fits, up to :data:`MAX_STRIPE`; beyond that the
disk is not priced and its server is not ready (rule ``disk-over-limit``).

The limits are each cloud's (``volume_limits`` of its :mod:`skylift.clouds`
profile; from the providers' documentation as summarised in the reference
sizing notes; GCP values are the per-disk maxima that larger VMs reach):

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

from skylift.clouds import profiles
from skylift.clouds.base import MAX_STRIPE, VolumeLimit

__all__ = ["LIMITS", "MAX_STRIPE", "VolumeLimit"]

#: Every registered cloud's limits by disk kind (kinds are unique across clouds);
#: the engine reads a cloud's own ``profile(cloud).volume_limits``.
LIMITS: dict[str, VolumeLimit] = {k: v for p in profiles() for k, v in p.volume_limits.items()}
