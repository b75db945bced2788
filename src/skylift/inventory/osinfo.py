"""Operating-system names as inventories write them → family, version, architecture.

Every source spells the OS differently: VMware guest names ("Microsoft Windows
Server 2019 (64-bit)", "Other 3.x or later Linux (64-bit)"), Azure Migrate
("Windows Server 2016 Datacenter"), AWS ("CentOS Linux 7"), /etc/os-release
("Ubuntu 22.04.4 LTS"). :func:`parse_os` turns any of them into an
:class:`OsInfo`; :func:`parse_arch` and :func:`parse_boot_type` read the
separate architecture / firmware columns some formats have. Pure functions,
no I/O: any importer may call them.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from skylift.domain.inventory import Architecture, BootType, OsFamily


@dataclass(frozen=True)
class OsInfo:
    """What an OS string tells us. ``version`` is ``None`` when the string has none."""

    family: OsFamily
    version: str | None
    arch: Architecture


# (pattern, family) — first match wins; order matters ("Windows" before "Linux" is
# irrelevant, but "Other ... Linux" must be Linux, "macOS"/"Darwin" before "BSD").
_FAMILIES: tuple[tuple[re.Pattern[str], OsFamily], ...] = (
    (re.compile(r"\bwindows\b|\bwin(?:\d+|2k\d*|nt)\b|microsoft", re.I), OsFamily.WINDOWS),
    (re.compile(r"mac\s*os|\bos\s*x\b|darwin", re.I), OsFamily.MACOS),
    (
        re.compile(
            r"linux|ubuntu|debian|cent\s*os|red\s*hat|\brhel\b|suse|\bsles\b|fedora|"
            r"oracle\s+(?:linux|enterprise)|rocky|alma|amazon|photon|coreos|flatcar|"
            r"alpine|arch\b|gentoo|mint|kali|clear\s*linux|mariner",
            re.I,
        ),
        OsFamily.LINUX,
    ),
    (
        re.compile(r"solaris|sunos|\baix\b|hp-?ux|freebsd|openbsd|netbsd|\bbsd\b|unix", re.I),
        OsFamily.UNIX,
    ),
)

_ARCH_64 = re.compile(r"64[- ]?bit|\bx64\b|x86[-_]64|\bamd64\b|\bwin64\b", re.I)
_ARCH_32 = re.compile(r"32[- ]?bit|\bx86\b(?![-_]64)|\bi[3-6]86\b|\bwin32\b", re.I)
_ARCH_ARM = re.compile(r"\barm64\b|\baarch64\b|\barmv8\b", re.I)

# Windows: the product year or number ("2019", "2008 R2", "10", "XP").
_WIN_VERSION = re.compile(
    r"\b(?:server\s+)?((?:19|20)\d\d(?:\s*R2)?|11|10|8\.1|8|7|vista|xp|nt\s*[\d.]+)\b", re.I
)
# Other OSes: the first number-like token ("7", "8.6", "22.04", "11.4", "3.x").
_VERSION = re.compile(r"\b(\d+(?:\.(?:\d+|x))*)\b", re.I)


def parse_arch(text: str | None) -> Architecture:
    """Architecture from a column or OS string: x64, amd64, 64-bit, x86, 32-bit, arm64 …"""
    if not text:
        return Architecture.UNKNOWN
    if _ARCH_ARM.search(text):
        return Architecture.ARM64
    if _ARCH_64.search(text):
        return Architecture.X86_64
    if _ARCH_32.search(text):
        return Architecture.X86
    t = text.strip().lower()
    if t in ("64", "x86_64"):
        return Architecture.X86_64
    if t in ("32", "i386", "i686"):
        return Architecture.X86
    return Architecture.UNKNOWN


def parse_boot_type(text: str | None) -> BootType:
    """Firmware from ``BIOS``/``UEFI``/``EFI`` (any case); anything else is unknown."""
    t = (text or "").strip().lower()
    if t in ("bios", "legacy", "legacy bios"):
        return BootType.BIOS
    if t in ("uefi", "efi"):
        return BootType.UEFI
    return BootType.UNKNOWN


@functools.lru_cache(maxsize=4096)  # estates repeat a few dozen OS strings
def parse_os(name: str | None, version: str | None = None, arch: str | None = None) -> OsInfo:
    """Family, version and architecture from an OS name (and optional columns).

    ``version`` and ``arch`` come from separate columns where a format has
    them and win over what the name implies; ``None`` fields are inferred from
    ``name``. Unrecognised names give :attr:`OsFamily.OTHER` (empty names
    :attr:`OsFamily.UNKNOWN`).
    """
    text = (name or "").strip()
    family = OsFamily.UNKNOWN
    if text:
        family = OsFamily.OTHER
        for pattern, fam in _FAMILIES:
            if pattern.search(text):
                family = fam
                break
    found_arch = parse_arch(arch)
    if found_arch is Architecture.UNKNOWN:
        found_arch = parse_arch(text)
    ver = version.strip() if version and version.strip() else None
    if ver is None and text:
        ver = _version_from_name(text, family)
    return OsInfo(family=family, version=ver, arch=found_arch)


def _version_from_name(text: str, family: OsFamily) -> str | None:
    # Drop the "(64-bit)" decoration first so "64" is never taken for a version.
    cleaned = re.sub(r"\(?\b(?:32|64)[- ]?bit\)?|\bx(?:64|86)\b|\bamd64\b", " ", text, flags=re.I)
    if family is OsFamily.WINDOWS:
        m = _WIN_VERSION.search(cleaned)
        if m:
            v = re.sub(r"\s+", " ", m.group(1)).strip()
            return {"xp": "XP", "vista": "Vista"}.get(v.lower(), re.sub(r"(?i)\s*r2$", " R2", v))
        return None
    m = _VERSION.search(cleaned)
    return m.group(1) if m else None
