"""``s3://BUCKET/ROOT``: Amazon S3 and S3-compatible stores (MinIO, Ceph, R2, rclone, moto).

Data plane on obstore. Multipart uploads with a resumable upload id go
through botocore (obstore does not expose create/put-part/complete with an
id; botocore is in the ``s3`` extra). Ranged GETs against servers that
answer 200 instead of 206 (``rclone serve s3``) fall back to botocore too.

Credentials: the standard AWS chain. ``AWS_ACCESS_KEY_ID`` /
``AWS_SECRET_ACCESS_KEY`` / ``AWS_SESSION_TOKEN`` from the environment;
otherwise (with botocore installed) profiles, SSO, web identity and instance
metadata through botocore's resolver. Never from options or URLs.

Options (``remotes:`` in skylift.yaml): ``endpoint``, ``region``,
``allow_http`` (for 127.0.0.1 emulators), ``profile``, ``unsigned``
(public buckets), ``virtual_hosted`` (default: path style when an endpoint
is set), ``sign_payload`` (default: only on plain HTTP beyond this machine,
see :mod:`skylift.storage.s3.signing`), ``etag_md5`` (``false`` when SSE-KMS makes ETags non-MD5),
``retries``, ``retry_timeout``.
"""

from __future__ import annotations

import builtins
import os
import threading
from collections.abc import Iterator
from typing import Any

from skylift.errors import InputError
from skylift.storage.base import Capabilities, MultipartUpload, ObjectInfo, PartInfo
from skylift.storage.keys import check_key, join_key
from skylift.storage.objstore import (
    ObstoreStorage,
    check_plain_http,
    client_options,
    retry_config,
    truthy,
)
from skylift.storage.objstore import tree_listing as _tree_listing
from skylift.storage.s3.client import S3Client, botocore_session, paused_gc
from skylift.storage.s3.signing import signs_payload
from skylift.storage.urls import bucket_and_root, redact_url


class S3Storage(ObstoreStorage):
    """An S3 bucket (optionally under a key prefix)."""

    scheme = "s3"
    option_names = frozenset(
        {
            "endpoint",
            "region",
            "allow_http",
            "profile",
            "unsigned",
            "virtual_hosted",
            "etag_md5",
            "listing",
            "retries",
            "retry_timeout",
            "timeout",
            "sign_payload",
        }
    )
    capabilities = Capabilities(
        multipart=True,
        min_part_size=5 << 20,
        max_parts=10_000,
        server_side_copy=True,
        preserves_mtime=False,
        checksums=("md5",),
        ranged_read=True,
        gaps=(
            ("mtime", "S3 sets LastModified to the upload time; it cannot be preserved"),
            ("md5", "the ETag is an MD5 only for single-PUT objects without SSE-KMS"),
        ),
    )

    def __init__(self, url: str, **options: str) -> None:
        self.bucket, self.root = bucket_and_root(url, "s3", "S3")
        self.options = _with_endpoint(dict(options), url)
        self.etag_md5 = options.get("etag_md5", "true").lower() != "false"
        self._session: Any = None  # botocore's, when its chain supplies the credentials
        super().__init__(
            url, self._make_store(), f"s3://{self.bucket}", _tree_listing(self.options)
        )
        self._client: S3Client | None = None
        self._sdk_lock = threading.Lock()
        self._ranged_via_client = False

    def _make_store(self) -> Any:
        from obstore.store import S3Store

        opts = self.options
        config: dict[str, Any] = {}
        endpoint = opts.get("endpoint")
        if endpoint:
            config["endpoint"] = endpoint
            config["virtual_hosted_style_request"] = truthy(opts.get("virtual_hosted"))
        region = (
            opts.get("region")
            or os.environ.get("AWS_REGION")
            or os.environ.get("AWS_DEFAULT_REGION")
        )
        if region:
            config["region"] = region
        if truthy(opts.get("unsigned")):
            config["skip_signature"] = True
        else:
            # over TLS or loopback nothing on the path can change the body: hashing
            # every byte with SHA-256 for the signature would cost ~0.5 ms of CPU per
            # MiB for nothing; plain HTTP beyond this machine keeps signed payloads
            # (the rule and why: skylift.storage.s3.signing). Set both ways: obstore
            # would otherwise take $AWS_UNSIGNED_PAYLOAD, which botocore ignores
            config["unsigned_payload"] = not signs_payload(endpoint, opts.get("sign_payload"))
        provider = None
        if not truthy(opts.get("unsigned")) and "AWS_ACCESS_KEY_ID" not in os.environ:
            # one botocore session for both clients: its credential chain (profile,
            # SSO, assumed role, instance metadata) is resolved once, not twice
            self._session = _credential_session(opts.get("profile"))
            provider = None if self._session is None else _provider(self._session)
        http = client_options(opts, truthy(opts.get("allow_http")))
        return S3Store(
            self.bucket,
            prefix=self.root or None,
            config=config,  # type: ignore[arg-type]
            client_options=http,  # type: ignore[arg-type]
            retry_config=retry_config(opts),  # type: ignore[arg-type]
            credential_provider=provider,
        )

    @property
    def endpoint_id(self) -> str:
        """The S3 endpoint requests go to (the configured one, else AWS for the bucket)."""
        return redact_url(self.options.get("endpoint") or f"s3://{self.bucket}")

    @property
    def client(self) -> S3Client:
        """The botocore-based client for multipart and 200-ranged reads (made on first use)."""
        with self._sdk_lock:
            if self._client is None:
                self._client = S3Client(self.bucket, self.options, self.where, self._session)
            return self._client

    def _key(self, path: str) -> str:
        return join_key(self.root, check_key(path))

    def _checksums(self, meta: Any) -> dict[str, str]:
        etag = (meta.get("e_tag") or "").strip('"')
        if self.etag_md5 and len(etag) == 32 and "-" not in etag:
            return {"md5": etag.lower()}
        return {}

    def _read_range(self, path: str, start: int, end: int | None) -> bytes:
        if self._ranged_via_client:
            return self.client.get_range(self._key(path), path, start, end)
        try:
            return super()._read_range(path, start, end)
        except Exception as exc:
            if "non-partial" not in str(exc).lower():
                raise
            # The server ignores Range semantics (answers 200); use a client that accepts it.
            self._ranged_via_client = True
            return self.client.get_range(self._key(path), path, start, end)

    def _list_after(self, prefix: str, last: str | None, exc: Exception) -> Iterator[ObjectInfo]:
        """Raw ListObjectsV2 (botocore) after ``last``: keys obstore cannot parse still show."""
        root = f"{self.root}/" if self.root else ""
        start = root + last if last is not None else None
        for key, size, modified, etag in self.client.list_keys(root + prefix, start):
            rel = key[len(root) :]
            if rel.endswith("/") and size == 0:
                continue  # folder marker
            yield ObjectInfo(
                path=rel,
                size=size,
                mtime=modified,
                etag=etag,
                checksums=self._checksums({"e_tag": etag}),
            )

    # ---- multipart -----------------------------------------------------------

    def create_multipart(self, path: str, part_size: int | None = None) -> MultipartUpload:
        """CreateMultipartUpload; the upload id goes into the resume journal."""
        upload_id = self.client.create_multipart(self._key(path), path)
        return MultipartUpload(path=path, upload_id=upload_id)

    def upload_part(self, upload: MultipartUpload, number: int, data: bytes) -> PartInfo:
        """UploadPart (parts but the last must be ≥ 5 MiB)."""
        if number < 1 or number > self.capabilities.max_parts:
            raise InputError(f"part number {number} out of range 1..{self.capabilities.max_parts}")
        etag = self.client.upload_part(self._key(upload.path), upload, number, data)
        return PartInfo(number=number, size=len(data), etag=etag)

    def list_parts(self, upload: MultipartUpload) -> builtins.list[PartInfo]:
        """ListParts (all pages): what survived a crash."""
        return self.client.list_parts(self._key(upload.path), upload)

    def complete_multipart(
        self, upload: MultipartUpload, parts: builtins.list[PartInfo], mtime: float | None = None
    ) -> ObjectInfo:
        """CompleteMultipartUpload; the object becomes visible now (``mtime`` cannot be set)."""
        self.client.complete(self._key(upload.path), upload, parts)
        return self.stat(upload.path)

    def completed_etag(self, parts: builtins.list[PartInfo]) -> str | None:
        """S3's multipart ETag: MD5 of the parts' binary MD5s, ``-N`` (None if not MD5s)."""
        import hashlib

        try:
            digests = b"".join(bytes.fromhex(p.etag.strip('"')) for p in parts)
        except ValueError:
            return None
        if len(digests) != 16 * len(parts) or not parts:
            return None
        return f"{hashlib.md5(digests, usedforsecurity=False).hexdigest()}-{len(parts)}"

    def abort_multipart(self, upload: MultipartUpload) -> None:
        """AbortMultipartUpload (no error if it is already gone)."""
        self.client.abort(self._key(upload.path), upload)

    def close(self) -> None:
        """Close the botocore client's connection pool."""
        if self._client is not None:
            self._client.close()
            self._client = None


def _with_endpoint(options: dict[str, str], url: str) -> dict[str, str]:
    """Options with the endpoint resolved as the AWS tools do, and plain HTTP checked.

    ``endpoint`` from ``remotes:`` wins; else ``$AWS_ENDPOINT_URL_S3``, else
    ``$AWS_ENDPOINT_URL``, else ``$AWS_ENDPOINT`` (obstore reads that one by itself:
    resolved here, botocore's multipart and the payload-signing rule use the same
    endpoint as obstore's single PUTs). An ``http://`` endpoint needs ``allow_http: true``
    (or ``$AWS_ALLOW_HTTP=true``): refused with a message saying so, instead of
    the HTTP client's bare "builder error".
    """
    endpoint = (
        options.get("endpoint")
        or os.environ.get("AWS_ENDPOINT_URL_S3")
        or os.environ.get("AWS_ENDPOINT_URL")
        or os.environ.get("AWS_ENDPOINT")
    )
    if not endpoint:
        return options
    options["endpoint"] = endpoint
    if "allow_http" not in options and truthy(os.environ.get("AWS_ALLOW_HTTP")):
        options["allow_http"] = "true"
    check_plain_http(endpoint, truthy(options.get("allow_http")), url)
    return options


def _credential_session(profile: str | None) -> Any:
    """A botocore session whose credential chain finds credentials; None if it finds
    none, or without botocore."""
    try:
        with paused_gc():  # see paused_gc: the import alone is ~10^5 objects
            session = botocore_session(profile)
    except ModuleNotFoundError:
        return None
    return None if session.get_credentials() is None else session


def _provider(session: Any) -> Any:
    """A credential provider for obstore backed by ``session``'s credentials."""

    def provide() -> dict[str, Any]:
        credentials = session.get_credentials()
        frozen = credentials.get_frozen_credentials()
        expiry = getattr(credentials, "_expiry_time", None)
        return {
            "access_key_id": frozen.access_key,
            "secret_access_key": frozen.secret_key,
            "token": frozen.token,
            "expires_at": expiry,
        }

    return provide
