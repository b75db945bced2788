"""RVTools cell values → skylift domain values (pure functions, no I/O).

Column spellings across RVTools versions, OS strings → family/version/arch,
power state, firmware, and custom attributes → application / environment /
criticality.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from skylift.domain.inventory import Architecture, BootType, Environment, OsFamily, PowerState
from skylift.inventory.tabular import norm_header

# --------------------------------------------------------------------------- column spellings
# Every tuple lists the spellings seen across RVTools 3.x/4.x; lookups are case- and
# space-insensitive (skylift.inventory.tabular.norm_header).

VM = ("VM",)
POWERSTATE = ("Powerstate",)
TEMPLATE = ("Template",)
VM_ID = ("VM ID",)
VM_UUID = ("VM UUID",)
SDK_SERVER = ("VI SDK Server",)
CPUS = ("CPUs", "Num CPU")
MEMORY = ("Memory", "Memory MiB", "Memory MB")
DNS = ("DNS Name",)
PRIMARY_IP = ("Primary IP Address",)
FIRMWARE = ("Firmware",)
DATACENTER = ("Datacenter",)
CLUSTER = ("Cluster",)
HOST = ("Host",)
OS_TOOLS = ("OS according to the VMware Tools",)
OS_CONFIG = ("OS according to the configuration file",)
ANNOTATION = ("Annotation",)
SOCKETS = ("Sockets",)
MEM_SIZE = ("Size MiB", "Size MB")
DISK_LABEL = ("Disk", "Label")
DISK_KEY = ("Disk Key",)
CAPACITY = ("Capacity MiB", "Capacity MB")
CONSUMED = ("Consumed MiB", "Consumed MB")
THIN = ("Thin",)
NIC_LABEL = ("NIC label", "Network adapter")
NETWORK = ("Network",)
MAC = ("Mac Address", "MAC Address")
IPV4 = ("IPv4 Address", "IP Address")
IPV6 = ("IPv6 Address",)
CONNECTED = ("Connected",)
SPEED = ("Speed",)

#: vInfo columns that are kept as tags under a fixed name.
TAG_COLUMNS: dict[str, tuple[str, ...]] = {
    "vm_id": VM_ID,
    "vm_uuid": VM_UUID,
    "vcenter": SDK_SERVER,
    "folder": ("Folder",),
    "resource_pool": ("Resource pool",),
    "annotation": ANNOTATION,
    "hw_version": ("HW version",),
    "provisioned_mib": ("Provisioned MiB", "Provisioned MB"),
    "in_use_mib": ("In Use MiB", "In use MiB", "In Use MB", "In use MB"),
}

#: Tags holding sizes in MiB (normalised to plain numbers, whatever the export's locale).
NUMERIC_TAGS = ("provisioned_mib", "in_use_mib")

#: Standard RVTools vInfo headers (4.x and older spellings). Any other column is a
#: custom attribute (RVTools places them between Annotation and Datacenter) and is
#: kept as a tag with its own header as the name.
_STANDARD_VINFO_TEXT = (
    "VM, Powerstate, Template, SRM Placeholder, Config status, DNS Name, Connection state, "
    "Guest state, Heartbeat, Consolidation Needed, PowerOn, Suspended To Memory, "
    "Suspend time, Suspend Interval, Creation date, Change Version, CPUs, "
    "Overall Cpu Readiness, Memory, Active Memory, NICs, Disks, Total disk capacity MiB, "
    "Total disk capacity MB, Fixed Passthru HotPlug, min Required EVC Mode Key, "
    "Latency Sensitivity, Op Notification Timeout, EnableUUID, CBT, Primary IP Address, "
    "Network #1, Network #2, Network #3, Network #4, Network #5, Network #6, Network #7, "
    "Network #8, Num Monitors, Video Ram KiB, Video Ram KB, Resource pool, Folder ID, "
    "Folder, vApp, DAS protection, FT State, FT Role, FT Latency, FT Bandwidth, "
    "FT Secondary Latency, Vm Failover In Progress, Provisioned MiB, Provisioned MB, "
    "In Use MiB, In use MiB, In Use MB, In use MB, Unshared MiB, Unshared MB, "
    "HA Restart Priority, HA Isolation Response, HA VM Monitoring, Cluster rule(s), "
    "Cluster rule name(s), Boot Required, Boot delay, Boot retry delay, "
    "Boot retry enabled, Boot BIOS setup, Reboot PowerOff, EFI Secure boot, Firmware, "
    "HW version, HW upgrade status, HW upgrade policy, HW target, Path, Log directory, "
    "Snapshot directory, Suspend directory, Annotation, Datacenter, Cluster, Host, "
    "OS according to the configuration file, OS according to the VMware Tools, "
    "Customization Info, Guest Detailed Data, VM ID, SMBIOS UUID, VM UUID, "
    "VI SDK Server type, VI SDK API Version, VI SDK Server, VI SDK UUID, "
    "Num CPU, Memory MiB, Memory MB, Guest IP, Tools, Tools Version, Backup Status, "
    "Last backup, Config Version"
)
STANDARD_VINFO: frozenset[str] = frozenset(norm_header(h) for h in _STANDARD_VINFO_TEXT.split(", "))

# --------------------------------------------------------------------------- values

_POWER = {
    "poweredon": PowerState.ON,
    "on": PowerState.ON,
    "poweredoff": PowerState.OFF,
    "off": PowerState.OFF,
    "suspended": PowerState.SUSPENDED,
}


def power_state(value: str | None) -> PowerState:
    """``poweredOn`` / ``poweredOff`` / ``suspended`` → :class:`PowerState`."""
    if not value:
        return PowerState.UNKNOWN
    return _POWER.get(value.strip().lower().replace(" ", ""), PowerState.UNKNOWN)


def boot_type(value: str | None) -> BootType:
    """RVTools ``Firmware`` (``bios`` / ``efi``) → :class:`BootType`."""
    v = (value or "").strip().lower()
    if v in ("efi", "uefi"):
        return BootType.UEFI
    if v == "bios":
        return BootType.BIOS
    return BootType.UNKNOWN


_LINUX = (
    "linux",
    "red hat",
    "rhel",
    "centos",
    "ubuntu",
    "debian",
    "suse",
    "sles",
    "rocky",
    "alma",
    "photon",
    "fedora",
    "coreos",
    "oracle linux",
    "amazon linux",
)
_UNIX = ("solaris", "freebsd", "aix", "hp-ux", "openbsd", "netbsd", "unix")
_MAC = ("mac os", "macos", "darwin", "os x")
_BITS = re.compile(r"\s*\((32|64)-bit\)\s*$", re.IGNORECASE)
_VERSION = re.compile(r"\b(\d+(?:\.\d+)*)\b")


def os_family(name: str) -> OsFamily:
    """Broad family of an OS name as VMware spells it."""
    n = name.lower()
    if "windows" in n:
        return OsFamily.WINDOWS
    if any(k in n for k in _LINUX):
        return OsFamily.LINUX
    if any(k in n for k in _MAC):
        return OsFamily.MACOS
    if any(k in n for k in _UNIX):
        return OsFamily.UNIX
    return OsFamily.OTHER


def os_details(
    tools: str | None, config: str | None
) -> tuple[str | None, OsFamily, str | None, Architecture]:
    """(name, family, version, arch): prefer the VMware Tools OS, else the configuration file.

    ``(64-bit)`` → x86_64, ``(32-bit)`` → x86; ``arm``/``aarch64`` in the name → arm64.
    The version is the first number in the name (``Windows Server 2019`` → ``2019``).
    """
    raw = (tools or "").strip() or (config or "").strip()
    if not raw:
        return None, OsFamily.UNKNOWN, None, Architecture.UNKNOWN
    arch = Architecture.UNKNOWN
    bits = _BITS.search(raw)
    if bits:
        arch = Architecture.X86_64 if bits.group(1) == "64" else Architecture.X86
    low = raw.lower()
    if "arm" in low.split() or "aarch64" in low or "arm64" in low:
        arch = Architecture.ARM64
    name = _BITS.sub("", raw).strip()
    m = _VERSION.search(name)
    return name, os_family(name), (m.group(1) if m else None), arch


APPLICATION_ATTRS = ("application", "app", "applicationname", "appname", "service", "workload")
ENVIRONMENT_ATTRS = ("environment", "env", "stage", "lifecycle", "tier-environment")
CRITICALITY_ATTRS = ("criticality", "businesscriticality", "critical", "priority", "sla", "tier")

_ENV = {
    Environment.PRODUCTION: ("prod", "production", "prd", "live", "prod."),
    Environment.STAGING: ("staging", "stage", "stg", "uat", "preprod", "pre-prod", "acceptance"),
    Environment.TEST: ("test", "testing", "tst", "qa", "sit", "int", "integration"),
    Environment.DEVELOPMENT: ("dev", "development", "develop", "sandbox", "lab"),
}
_ENV_LOOKUP = {alias: env for env, aliases in _ENV.items() for alias in aliases}


def environment(value: str | None) -> Environment:
    """Map ``Production`` / ``PRD`` / ``UAT`` / ``Dev`` … to :class:`Environment`."""
    if not value:
        return Environment.UNKNOWN
    return _ENV_LOOKUP.get(value.strip().lower(), Environment.UNKNOWN)


def attribute_columns(columns: Iterable[tuple[int, str]], names: Iterable[str]) -> list[int]:
    """Indices of the custom-attribute ``columns`` called one of ``names``, in ``names`` order.

    Matching is case- and space-insensitive (``Business Criticality`` = ``businesscriticality``).
    """
    cols = [(norm_header(h), i) for i, h in columns]
    return [i for n in names for h, i in cols if h == n]


_SPLIT_IPS = re.compile(r"[\s,;]+")


def split_addresses(value: str | None) -> tuple[str, ...]:
    """``'10.0.0.1, 10.0.0.2'`` → ``('10.0.0.1', '10.0.0.2')`` (empty parts dropped)."""
    if not value:
        return ()
    if "," not in value and ";" not in value and " " not in value:
        return (value,)
    return tuple(p for p in _SPLIT_IPS.split(value) if p)
