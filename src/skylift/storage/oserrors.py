"""Translate ``OSError`` (local disk, and paramiko's SFTP status errors) into storage errors."""

from __future__ import annotations

import errno

from skylift.errors import ProviderError
from skylift.storage.base import NotFoundError, PermissionDeniedError, TransientError
from skylift.storage.keys import short

_NOT_FOUND = {errno.ENOENT, errno.ENOTDIR}
_DENIED = {errno.EACCES, errno.EPERM, errno.EROFS}
_TRANSIENT = {errno.EAGAIN, errno.EINTR, errno.ETIMEDOUT, errno.ECONNRESET, errno.EPIPE}


def translate_os_error(where: str, path: str, exc: OSError) -> ProviderError:
    """The storage error for ``exc`` raised while touching ``path`` in ``where``."""
    code = exc.errno
    reason = exc.strerror or str(exc) or type(exc).__name__
    if isinstance(exc, FileNotFoundError) or code in _NOT_FOUND:
        return NotFoundError(f"{where}: no object {short(path)}")
    if isinstance(exc, PermissionError) or code in _DENIED:
        return PermissionDeniedError(
            f"{where}: permission denied for {short(path)} ({reason})",
            "check the file's owner and mode, or the account's rights on the server",
        )
    if code == errno.ENOSPC:
        return ProviderError(
            f"{where}: no space left writing {short(path)}",
            "free space or pick another destination",
        )
    if code in _TRANSIENT or isinstance(exc, TimeoutError | ConnectionError):
        return TransientError(f"{where}: {reason} on {short(path)}", "retrying usually helps")
    return ProviderError(f"{where}: {reason} on {short(path)}", "check the path and the storage")
