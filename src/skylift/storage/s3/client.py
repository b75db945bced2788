"""The S3 calls obstore does not expose, on botocore: multipart with upload ids, lenient ranges.

botocore clients are thread-safe; one per :class:`~skylift.storage.s3.backend.S3Storage`.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from skylift.errors import MissingDependencyError, ProviderError
from skylift.storage.base import (
    MultipartUpload,
    NotFoundError,
    PartInfo,
    PermissionDeniedError,
    TransientError,
)
from skylift.storage.keys import short
from skylift.storage.objstore import first_line, truthy
from skylift.storage.s3.signing import signs_payload

#: Pooled connections per client: the most workers the engine runs (``MAX_RTT_JOBS``).
MAX_POOL = 256
_NOT_FOUND = {"NoSuchKey", "NoSuchUpload", "NotFound", "404", "NoSuchBucket"}
_DENIED = {
    "AccessDenied",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "403",
    "AllAccessDisabled",
    "ExpiredToken",
}
_TRANSIENT = {
    "SlowDown",
    "RequestTimeout",
    "InternalError",
    "ServiceUnavailable",
    "Throttling",
    "500",
    "502",
    "503",
    "504",
}


def translate_botocore_error(where: str, path: str, exc: Exception) -> ProviderError:
    """Map a botocore exception to the storage error family."""
    from botocore import exceptions as bx  # type: ignore[import-untyped]

    if isinstance(exc, bx.ClientError):
        code = str(exc.response.get("Error", {}).get("Code", ""))
        status = str(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))
        reason = exc.response.get("Error", {}).get("Message") or code
        if code in _NOT_FOUND or (status == "404" and not code):
            return NotFoundError(f"{where}: no object or upload {short(path)} ({code})")
        if code in _DENIED or status == "403":
            return PermissionDeniedError(
                f"{where}: access denied for {short(path)}: {reason}",
                "check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or the profile, and the policy",
            )
        if code in _TRANSIENT or status.startswith("5"):
            return TransientError(f"{where}: {code} on {short(path)}", "retrying usually helps")
        return ProviderError(
            f"{where}: {code or status}: {reason} ({short(path)})",
            "the store refused the request; check the key and the bucket's settings",
        )
    if isinstance(exc, bx.ConnectionError | bx.HTTPClientError):
        return TransientError(f"{where}: {first_line(exc)}", "retrying usually helps")
    if isinstance(exc, bx.NoCredentialsError):
        return PermissionDeniedError(
            f"{where}: no AWS credentials found",
            "set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or run on an AWS identity",
        )
    return ProviderError(f"{where}: {first_line(exc)} ({short(path)})", "see --debug for details")


class S3Client:
    """A botocore S3 client bound to one bucket."""

    def __init__(
        self, bucket: str, options: dict[str, str], where: str, session: Any = None
    ) -> None:
        """``session``: a botocore session to share (see :func:`botocore_session`)."""
        self.bucket = bucket
        self.where = where
        with paused_gc():
            self._client: Any = _make_client(bucket, options, session)

    def _fail(self, path: str, exc: Exception) -> ProviderError:
        return translate_botocore_error(self.where, path, exc)

    def get_range(self, key: str, path: str, start: int, end: int | None) -> bytes:
        """Ranged GET accepting 200 answers that carry only the range (rclone does that)."""
        spec = f"bytes={start}-" if end is None else f"bytes={start}-{end - 1}"
        try:
            response = self._client.get_object(Bucket=self.bucket, Key=key, Range=spec)
            body: bytes = response["Body"].read()
        except Exception as exc:
            raise self._fail(path, exc) from exc
        if response.get("ContentRange") is None and start > 0:  # the server sent everything
            body = body[start:end]
        return body

    def list_keys(
        self, prefix: str, start_after: str | None
    ) -> Iterator[tuple[str, int, float, str]]:
        """ListObjectsV2 pages as ``(key, size, mtime, etag)``, raw keys, lexical order."""
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Prefix": prefix, "MaxKeys": 1000}
        if start_after:
            kwargs["StartAfter"] = start_after
        while True:
            try:
                page = self._client.list_objects_v2(**kwargs)
            except Exception as exc:
                raise self._fail(prefix, exc) from exc
            for item in page.get("Contents", []):
                etag = str(item.get("ETag", "")).strip('"')
                yield item["Key"], int(item["Size"]), item["LastModified"].timestamp(), etag
            token = page.get("NextContinuationToken")
            if not page.get("IsTruncated") or not token:
                return
            kwargs.pop("StartAfter", None)
            kwargs["ContinuationToken"] = token

    def create_multipart(self, key: str, path: str) -> str:
        """CreateMultipartUpload → upload id."""
        try:
            result = self._client.create_multipart_upload(Bucket=self.bucket, Key=key)
        except Exception as exc:
            raise self._fail(path, exc) from exc
        return str(result["UploadId"])

    def upload_part(self, key: str, upload: MultipartUpload, number: int, data: bytes) -> str:
        """UploadPart → ETag (unquoted)."""
        try:
            result = self._client.upload_part(
                Bucket=self.bucket,
                Key=key,
                UploadId=upload.upload_id,
                PartNumber=number,
                # bytes and bytearray go out as they are (botocore takes both): no copy
                Body=data if isinstance(data, bytes | bytearray) else bytes(data),
            )
        except Exception as exc:
            raise self._fail(upload.path, exc) from exc
        return str(result["ETag"]).strip('"')

    def list_parts(self, key: str, upload: MultipartUpload) -> list[PartInfo]:
        """ListParts, following pagination."""
        parts: list[PartInfo] = []
        marker = 0
        try:
            while True:
                page = self._client.list_parts(
                    Bucket=self.bucket,
                    Key=key,
                    UploadId=upload.upload_id,
                    PartNumberMarker=marker,
                    MaxParts=1000,
                )
                for part in page.get("Parts", []):
                    etag = str(part["ETag"]).strip('"')
                    parts.append(PartInfo(int(part["PartNumber"]), int(part["Size"]), etag))
                if not page.get("IsTruncated"):
                    break
                marker = int(page["NextPartNumberMarker"])
        except Exception as exc:
            raise self._fail(upload.path, exc) from exc
        return sorted(parts, key=lambda p: p.number)

    def complete(self, key: str, upload: MultipartUpload, parts: list[PartInfo]) -> None:
        """CompleteMultipartUpload with the given parts (S3 checks them)."""
        if not parts:
            raise ProviderError(
                f"{self.where}: cannot complete upload of {upload.path!r} without parts",
                "upload at least one part (an empty object is a plain write)",
            )
        listed = [{"ETag": f'"{p.etag}"', "PartNumber": p.number} for p in parts]
        try:
            result = self._client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=key,
                UploadId=upload.upload_id,
                MultipartUpload={"Parts": listed},
            )
        except Exception as exc:
            raise self._fail(upload.path, exc) from exc
        if "Error" in result:  # S3 can answer 200 with an error body
            raise ProviderError(
                f"{self.where}: completing {upload.path!r} failed: {result['Error']}",
                "retry the completion, or abort and restart the upload",
            )

    def abort(self, key: str, upload: MultipartUpload) -> None:
        """AbortMultipartUpload; an unknown upload is fine."""
        try:
            self._client.abort_multipart_upload(
                Bucket=self.bucket, Key=key, UploadId=upload.upload_id
            )
        except Exception as exc:
            error = self._fail(upload.path, exc)
            if not isinstance(error, NotFoundError):
                raise error from exc

    def close(self) -> None:
        """Release pooled connections."""
        self._client.close()


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """The cyclic collector off while botocore loads, as it was before afterwards.

    Importing botocore and loading its S3 model allocates ~10^5 objects: with
    the collector on, that runs ~90 collections over the whole heap (one a full
    one), ~45 ms of the ~160 ms of CPU it took in a transfer; none of it is garbage.
    In a process that froze its start (the ``skylift`` command during a transfer) the
    model is frozen too: else the collector walks it at its next young and middle
    passes, ~50 ms more (#12).
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count():  # the process froze its start (the skylift command):
            gc.freeze()  # the model too, else the collector walks it twice more (~50 ms)
        if collecting:
            gc.enable()


def _make_client(bucket: str, options: dict[str, str], session: Any = None) -> Any:
    """A botocore S3 client for ``options`` (endpoint, region, profile, signing), made
    by ``session`` (else a new one for ``options``' profile)."""
    try:
        from botocore import UNSIGNED
        from botocore.config import Config  # type: ignore[import-untyped]
        from botocore.handlers import (  # type: ignore[import-untyped]
            convert_body_to_file_like_object,
        )
    except ModuleNotFoundError as exc:
        raise MissingDependencyError("botocore", "s3") from exc
    endpoint = options.get("endpoint")
    s3: dict[str, Any] = {
        # explicit, both ways: left unset, botocore hashes every part with SHA-256 on
        # plain HTTP, and on https too when no checksum header goes with it (as with
        # request_checksum_calculation="when_required"); the rule is in .signing
        "payload_signing_enabled": signs_payload(endpoint, options.get("sign_payload"))
    }
    if endpoint:
        s3["addressing_style"] = "virtual" if truthy(options.get("virtual_hosted")) else "path"
    config = Config(
        signature_version=UNSIGNED if truthy(options.get("unsigned")) else "s3v4",
        s3=s3,
        retries={"mode": "standard", "max_attempts": 1 + int(options.get("retries", "2"))},
        # as many as the transfer engine's workers on a distant store (up to 256):
        # a smaller pool drops a connection after each part beyond it, and the
        # next part then pays a new TCP (and TLS) handshake, one round trip or more
        max_pool_connections=MAX_POOL,
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    if session is None:
        session = botocore_session(options.get("profile"))
    region = (
        options.get("region")
        or os.environ.get("AWS_REGION")
        or os.environ.get("AWS_DEFAULT_REGION")
        or "us-east-1"
    )
    client = session.create_client(
        "s3", endpoint_url=endpoint or None, region_name=region, config=config
    )
    # botocore wraps a bytes part in BytesIO, which urllib3 then sends 16 KiB at a
    # time through Python (~0.2 s of CPU per 512 MiB); bytes go out in one sendall.
    client.meta.events.unregister(
        "before-parameter-build.s3.UploadPart", convert_body_to_file_like_object
    )
    return client


def botocore_session(profile: str | None) -> Any:
    """A botocore session for ``profile`` that finds the S3 model without a scan.

    botocore checks a service name against every service it ships, listing and
    stat-ing ~900 data folders (~25 ms), before it loads a model: "s3" is known
    without that. Other names (the credential chain's sts/sso clients) still scan.
    """
    import botocore.session  # type: ignore[import-untyped]

    session = botocore.session.Session(profile=profile)
    loader = session.get_component("data_loader")
    loader.list_available_services = _KnownServices(loader.list_available_services)
    return session


class _KnownServices:
    """``Loader.list_available_services`` that answers "is s3 there?" without a scan."""

    def __init__(self, scan: Callable[[str], list[str]]) -> None:
        self._scan = scan

    def __call__(self, type_name: str) -> _Services:
        return _Services(lambda: self._scan(type_name))


class _Services(Sequence[str]):
    """The services with a ``type_name`` model: "s3" at once, the rest listed when asked."""

    def __init__(self, listed: Callable[[], list[str]]) -> None:
        self._listed = listed

    def __contains__(self, name: object) -> bool:
        return name == "s3" or name in self._listed()

    def __getitem__(self, index: Any) -> Any:
        return self._listed()[index]

    def __len__(self) -> int:
        return len(self._listed())
