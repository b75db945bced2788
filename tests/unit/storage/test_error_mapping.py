"""SDK exceptions become the storage error families (no servers: exceptions built here)."""

from __future__ import annotations

import errno

import pytest
from obstore import exceptions as ox

from skylift.errors import ProviderError
from skylift.storage.base import NotFoundError, PermissionDeniedError, TransientError
from skylift.storage.objstore import translate_obstore_error
from skylift.storage.oserrors import translate_os_error


def _generic(status_line: str) -> Exception:
    return ox.GenericError(
        "Generic S3 error: Error performing PUT http://h/b/k in 1ms, after 2 retries, "
        f"max_retries: 2 - Server returned non-2xx status code: {status_line}: <?xml\n\nDebug"
    )


@pytest.mark.parametrize(
    ("exc", "family"),
    [
        (FileNotFoundError("Object at location k not found"), NotFoundError),
        (_generic("404 Not Found"), NotFoundError),
        (_generic("403 Forbidden"), PermissionDeniedError),
        (_generic("401 Unauthorized"), PermissionDeniedError),
        (_generic("503 Service Unavailable"), TransientError),
        (_generic("429 Too Many Requests"), TransientError),
        (ox.GenericError("error sending request for url"), TransientError),
    ],
)
def test_obstore_errors_map_by_type_and_status(exc: Exception, family: type) -> None:
    error = translate_obstore_error("s3://b", "k", exc)
    assert type(error) is family
    assert "\n" not in error.message


def test_client_errors_are_not_transient_even_after_retries() -> None:
    error = translate_obstore_error("s3://b", "k" * 500, _generic("400 Bad Request"))
    assert type(error) is ProviderError
    assert "rename or exclude" in error.hint
    assert len(error.message) < 200


@pytest.mark.parametrize(
    ("code", "family"),
    [
        (errno.ENOENT, NotFoundError),
        (errno.EACCES, PermissionDeniedError),
        (errno.EROFS, PermissionDeniedError),
        (errno.ECONNRESET, TransientError),
        (errno.ENOSPC, ProviderError),
    ],
)
def test_os_errors_map_by_errno(code: int, family: type) -> None:
    error = translate_os_error("/data", "a/b", OSError(code, "boom"))
    assert type(error) is family
    assert "'a/b'" in error.message
