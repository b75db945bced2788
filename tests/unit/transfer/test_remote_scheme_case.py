"""``remotes:`` options apply whatever the case of the URL's scheme (#12).

URL schemes are case-insensitive (RFC 3986) and the storage registry opens
``S3://bucket`` as S3, but the ``remotes:`` lookup compared the text: a user
who typed ``S3://bucket/x`` got none of ``s3://bucket``'s options, so the run
went to AWS's public endpoint instead of the configured one (with the
access key's id), and the overlap check saw two different stores.
"""

from __future__ import annotations

from skylift.transfer.remotes import remote_options

REMOTES = {
    "s3://bucket": {"endpoint": "http://127.0.0.1:9000", "allow_http": "true"},
    "sftp": {"known_hosts": "ignore"},
    "S3://Other": {"region": "eu-west-1"},
}


def test_the_scheme_of_url_and_key_is_matched_without_case() -> None:
    want = REMOTES["s3://bucket"]
    for url in ("s3://bucket/x", "S3://bucket/x", "s3://bucket", "S3://bucket"):
        assert remote_options(url, REMOTES) == want, url
    assert remote_options("SFTP://me@host/x", REMOTES) == {"known_hosts": "ignore"}
    assert remote_options("s3://Other/k", REMOTES) == {"region": "eu-west-1"}


def test_the_rest_of_the_url_keeps_its_case() -> None:
    assert remote_options("s3://BUCKET/x", REMOTES) == {}  # bucket names are case-sensitive
    assert remote_options("s3://other/k", REMOTES) == {}
    assert remote_options("/local/s3://bucket", REMOTES) == {}
