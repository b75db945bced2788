"""The receiver's container packaging, checked with the real validators (offline).

``deploy/relay/Dockerfile`` passes hadolint with no finding at all (style included);
``deploy/relay/kubernetes.yaml`` passes kubernetes-validate --strict for 1.30; its
container arguments are flags ``skylift relay serve`` really has and make settings the
receiver accepts (TLS on a non-loopback address, authentication); the requirements
export the Dockerfile runs works on the lockfile.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

from skylift.workspace.relaying import ServeRequest, receiver_settings

REPO = Path(__file__).resolve().parents[3]
DEPLOY = REPO / "deploy" / "relay"
BIN = Path(sys.executable).parent


def test_the_dockerfile_passes_hadolint() -> None:
    proc = subprocess.run(
        [str(BIN / "hadolint"), "-f", "json", "--failure-threshold", "style", "Dockerfile"],
        cwd=DEPLOY,
        capture_output=True,
        text=True,
        check=False,
    )
    assert json.loads(proc.stdout) == [], proc.stdout
    assert proc.returncode == 0
    text = (DEPLOY / "Dockerfile").read_text()
    assert "USER 10001" in text and 'ENTRYPOINT ["skylift", "relay", "serve"]' in text


def test_the_requirements_export_in_the_dockerfile_works() -> None:
    uv = REPO / ".tools" / "bootstrap" / "bin" / "uv"
    line = next(x for x in (DEPLOY / "Dockerfile").read_text().splitlines() if "uv export" in x)
    assert "--frozen" in line
    extras = ["--extra", "relay", "--extra", "s3", "--extra", "azure", "--extra", "gcs"]
    proc = subprocess.run(
        [str(uv), "export", "--frozen", "--no-dev", "--no-emit-project", "--no-header", *extras],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "aiohttp==" in proc.stdout and "pyfastcdc==" in proc.stdout
    assert "--hash=sha256:" in proc.stdout  # pip --require-hashes needs them


def test_the_kubernetes_manifest_is_valid_and_hardened() -> None:
    manifest = DEPLOY / "kubernetes.yaml"
    proc = subprocess.run(
        [str(BIN / "kubernetes-validate"), "--strict", "-k", "1.30.0", str(manifest)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("passed") == 4
    docs = [d for d in yaml.safe_load_all(manifest.read_text()) if d]
    assert {d["kind"] for d in docs} == {"PersistentVolumeClaim", "Deployment", "Service"}
    assert not any(d["kind"] == "Secret" for d in docs)  # secrets are created, never committed
    pod = next(d for d in docs if d["kind"] == "Deployment")["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    container = pod["containers"][0]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]


def test_the_manifest_arguments_make_a_receiver_the_cli_accepts(tmp_path: Path) -> None:
    docs = [d for d in yaml.safe_load_all((DEPLOY / "kubernetes.yaml").read_text()) if d]
    pod = next(d for d in docs if d["kind"] == "Deployment")["spec"]["template"]["spec"]
    args: list[str] = pod["containers"][0]["args"]
    flags = dict(zip(args[::2], args[1::2], strict=True)) | {"--listen": ""}
    cli = [sys.executable, "-c", "from skylift.cli.app import main; main()"]
    help_text = subprocess.run(
        [*cli, "relay", "serve", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for flag in flags:
        assert flag in help_text, flag
    token = tmp_path / "token"
    token.write_text("k8s-token-from-a-secret-0123456789")
    listen = tuple(args[i + 1] for i, a in enumerate(args) if a == "--listen")
    settings = receiver_settings(
        ServeRequest(
            listen,
            "s3://migration-target/data",
            token_file=token,
            tls_cert=Path(flags["--tls-cert"]),
            tls_key=Path(flags["--tls-key"]),
            chunk_store=Path(flags["--chunk-store"]),
        )
    )
    assert settings.listen == (("0.0.0.0", 7443), ("0.0.0.0", 7444))  # type: ignore[attr-defined]
