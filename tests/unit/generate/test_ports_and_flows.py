"""The served port wins over client connection strings; flows come from every place a
service names another (depends_on, links, labels, settings, configuration files)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from skylift.domain.target import ArtifactKind
from skylift.generate.detect import detect_app
from skylift.generate.inputs import read_inputs
from skylift.generate.pipeline import render_target

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "compose-apps"

FLASK_WITH_REDIS = """\
from flask import Flask
from redis import Redis

app = Flask(__name__)
redis = Redis(host='redis', port=6379)
"""


def _flask(tmp_path: Path, extra: str = "") -> Path:
    folder = tmp_path / "web"
    folder.mkdir()
    (folder / "requirements.txt").write_text("flask\nredis\n")
    (folder / "app.py").write_text(FLASK_WITH_REDIS + extra)
    return folder


def test_a_redis_client_port_is_not_the_served_port(tmp_path: Path) -> None:
    app, _ = detect_app(_flask(tmp_path))
    assert app.port == 8000
    assert app.start_command == ("gunicorn", "app:app", "--bind", "0.0.0.0:8000")
    inputs = read_inputs(app_dir=tmp_path / "web", environ={})
    files, _ = render_target(inputs.target, (ArtifactKind.DOCKER,))
    dockerfile = files["docker/web/Dockerfile"][1]
    assert "EXPOSE 8000" in dockerfile and "6379" not in dockerfile
    assert "('127.0.0.1', 8000)" in dockerfile  # the HEALTHCHECK hits the served port


@pytest.mark.parametrize(
    ("source", "file", "port"),
    [
        ('\nif __name__ == "__main__":\n    app.run(host="0.0.0.0", port=5000)\n', "app.py", 5000),
        ("web: gunicorn app:app --bind 0.0.0.0:7000\n", "Procfile", 7000),
        ('CMD ["gunicorn", "app:app", "-b", "0.0.0.0:80"]\n', "Dockerfile", 80),
        ('CMD ["uvicorn", "app:app", "--host", "0.0.0.0", "--port", "9000"]\n', "Dockerfile", 9000),
    ],
)
def test_the_server_command_says_the_port(
    tmp_path: Path, source: str, file: str, port: int
) -> None:
    folder = _flask(tmp_path)
    if file == "app.py":
        (folder / file).write_text(FLASK_WITH_REDIS + source)
    else:
        (folder / file).write_text(source)
    app, _ = detect_app(folder)
    assert app.port == port
    if file != "Procfile":
        assert f"0.0.0.0:{port}" in " ".join(app.start_command)


def test_node_listen_go_listen_and_serve_and_spring_server_port(tmp_path: Path) -> None:
    node = tmp_path / "node"
    node.mkdir()
    (node / "package.json").write_text('{"dependencies": {"express": "4", "redis": "4"}}')
    (node / "server.js").write_text(
        "const c = redis.createClient({host: 'redis', port: 6379});\napp.listen(5000);\n"
    )
    assert detect_app(node)[0].port == 5000
    go = tmp_path / "go"
    go.mkdir()
    (go / "go.mod").write_text("module x\n\ngo 1.22\n")
    (go / "main.go").write_text(
        'sql.Open("postgres", "postgres://u@db:5432/x")\nhttp.ListenAndServe(":8000", r)\n'
    )
    assert detect_app(go)[0].port == 8000
    spring = tmp_path / "spring"
    (spring / "src/main/resources").mkdir(parents=True)
    (spring / "pom.xml").write_text("<project>spring-boot</project>")
    (spring / "src/main/resources/application.properties").write_text(
        "spring.datasource.url=jdbc:postgresql://db:5432/x\nserver.port=8081\n"
    )
    assert detect_app(spring)[0].port == 8081
    (spring / "src/main/resources/application.properties").unlink()
    (spring / "src/main/resources/application.yml").write_text(
        "spring:\n  datasource:\n    url: jdbc:postgresql://db:5432/x\nserver:\n  port: 8082\n"
    )
    assert detect_app(spring)[0].port == 8082
    (tmp_path / "gconf").mkdir()
    folder = _flask(tmp_path / "gconf")
    (folder / "gunicorn.conf.py").write_text('bind = "0.0.0.0:8001"\nworkers = 2\n')
    assert detect_app(folder)[0].port == 8001


def _flows(app: str) -> set[tuple[str, str, int]]:
    compose = next(p for p in (CORPUS / app).iterdir() if p.name.endswith(("compose.yaml", ".yml")))
    target = read_inputs(compose=compose, environ={}).target
    return {(c.source, c.target, c.port) for c in target.connections}


def test_flows_from_configuration_files_of_real_apps() -> None:
    # a Grafana datasource naming prometheus:9090 (bind-mounted folder)
    assert ("grafana", "prometheus", 9090) in _flows("prometheus-grafana")
    # Spring application.properties: jdbc:postgresql://db:5432 (in the build context)
    assert ("backend", "db", 5432) in _flows("spring-postgres")
    # nginx.conf bind-mounted: proxy_pass http://backend:8000 — and backend learns port 8000
    assert ("proxy", "backend", 8000) in _flows("nginx-golang-postgres")
    # nginx upstream "server web1:5000" and the clients' Redis(host='redis') in server.js
    flows = _flows("nginx-nodejs-redis")
    assert {("nginx", "web1", 5000), ("web1", "redis", 6379), ("web2", "redis", 6379)} <= flows


def test_a_user_name_equal_to_a_service_name_is_not_a_flow() -> None:
    # gitea-postgres: POSTGRES_USER=gitea on db does not mean db talks to gitea
    assert _flows("gitea-postgres") == {("gitea", "db", 5432)}


def test_links_and_the_flow_label_add_flows_and_silent_ports_are_warned(tmp_path: Path) -> None:
    path = tmp_path / "compose.yaml"
    path.write_text(
        "services:\n"
        "  app:\n    image: example/app:1.0\n    links: [cache]\n"
        "    labels:\n      skylift.connects-to: 'search:9200, serach:9200'\n"
        "  cache:\n    image: redis:7.4.1\n"
        "  search:\n    image: example/search:8.1\n    expose: ['9200', '9300']\n"
        "  lonely:\n    image: example/metrics:1.0\n    expose: ['9100']\n"
    )
    inputs = read_inputs(compose=path, environ={})
    flows = {(c.source, c.target, c.port) for c in inputs.target.connections}
    assert flows == {("app", "cache", 6379), ("app", "search", 9200)}
    typo = [w.message for w in inputs.warnings if "'serach'" in w.message]
    assert len(typo) == 1 and "not a service of this compose file" in typo[0]
    lonely = [w.message for w in inputs.warnings if "no service is known" in w.message]
    assert len(lonely) == 1 and "'lonely' listens on 9100" in lonely[0]
    files, _ = render_target(inputs.target, (ArtifactKind.K8S,))
    policies = {
        d["metadata"]["name"]: d
        for d in yaml.safe_load_all(files["k8s/networkpolicies.yaml"][1])
        if d
    }
    ingress = policies["search"]["spec"]["ingress"]
    assert ingress == [
        {
            "from": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "app"}}}],
            "ports": [{"protocol": "TCP", "port": 9200}],
        }
    ]
