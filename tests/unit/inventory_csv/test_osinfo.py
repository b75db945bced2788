"""OS strings as inventories write them → family, version, architecture."""

from __future__ import annotations

import pytest

from skylift.domain.inventory import Architecture, BootType, OsFamily
from skylift.inventory.osinfo import OsInfo, parse_arch, parse_boot_type, parse_os

W, L, U, M, OT = OsFamily.WINDOWS, OsFamily.LINUX, OsFamily.UNIX, OsFamily.MACOS, OsFamily.OTHER
X64, X86, ARM, UNK = Architecture.X86_64, Architecture.X86, Architecture.ARM64, Architecture.UNKNOWN


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Microsoft Windows Server 2019 (64-bit)", OsInfo(W, "2019", X64)),
        ("CentOS 7 (64-bit)", OsInfo(L, "7", X64)),
        ("Ubuntu Linux (64-bit)", OsInfo(L, None, X64)),
        ("Red Hat Enterprise Linux 8 (64-bit)", OsInfo(L, "8", X64)),
        ("Oracle Solaris 11 (64-bit)", OsInfo(U, "11", X64)),
        ("Other 3.x or later Linux (64-bit)", OsInfo(L, "3.x", X64)),
        ("FreeBSD", OsInfo(U, None, UNK)),
        ("Windows 10 Enterprise", OsInfo(W, "10", UNK)),
        ("Microsoft Windows Server 2003 Standard (32-bit)", OsInfo(W, "2003", X86)),
        ("Microsoft Windows Server 2008 R2 (64-bit)", OsInfo(W, "2008 R2", X64)),
        ("Windows XP Professional", OsInfo(W, "XP", UNK)),
        ("Ubuntu 22.04.4 LTS", OsInfo(L, "22.04.4", UNK)),
        ("Debian GNU/Linux 12 (bookworm)", OsInfo(L, "12", UNK)),
        ("SUSE Linux Enterprise 15 (64-bit)", OsInfo(L, "15", X64)),
        ("Oracle Linux 8 (64-bit)", OsInfo(L, "8", X64)),
        ("VMware Photon OS (64-bit)", OsInfo(L, None, X64)),
        ("macOS 14.5", OsInfo(M, "14.5", UNK)),
        ("IBM AIX 7.2", OsInfo(U, "7.2", UNK)),
        ("Other (32-bit)", OsInfo(OT, None, X86)),
        ("", OsInfo(OsFamily.UNKNOWN, None, UNK)),
    ],
)
def test_parse_os_table(name: str, expected: OsInfo) -> None:
    assert parse_os(name) == expected


def test_separate_columns_win_over_the_name() -> None:
    info = parse_os("CentOS 7 (64-bit)", version="7.9", arch="32-bit")
    assert info == OsInfo(L, "7.9", X86)


@pytest.mark.parametrize(
    ("text", "arch"),
    [
        ("x64", X64),
        ("amd64", X64),
        ("64-bit", X64),
        ("x86_64", X64),
        ("x86", X86),
        ("32-bit", X86),
        ("i686", X86),
        ("aarch64", ARM),
        ("arm64", ARM),
        ("sparc", UNK),
        (None, UNK),
    ],
)
def test_parse_arch(text: str | None, arch: Architecture) -> None:
    assert parse_arch(text) is arch


@pytest.mark.parametrize(
    ("text", "boot"),
    [
        ("BIOS", BootType.BIOS),
        ("uefi", BootType.UEFI),
        ("EFI", BootType.UEFI),
        ("x", BootType.UNKNOWN),
    ],
)
def test_parse_boot_type(text: str, boot: BootType) -> None:
    assert parse_boot_type(text) is boot
