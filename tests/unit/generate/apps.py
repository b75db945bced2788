"""Sample applications (one per language) and compose files the generate tests create."""

from __future__ import annotations

from pathlib import Path

APPS: dict[str, dict[str, str]] = {
    "python-pip-flask": {
        "requirements.txt": "flask==3.1.0\n",
        "app.py": "from flask import Flask\napp = Flask(__name__)\n",
    },
    "python-poetry-django": {
        "pyproject.toml": '[tool.poetry]\nname = "shop"\n'
        '[tool.poetry.dependencies]\ndjango = "^5.1"\n',
        "poetry.lock": "",
        "manage.py": "",
        "shop/wsgi.py": "",
    },
    "python-uv-fastapi": {
        "pyproject.toml": '[project]\nname = "api"\ndependencies = ["fastapi"]\n',
        "uv.lock": "",
        "main.py": "app = None\n",
    },
    "node-npm-express": {
        "package.json": '{"name": "web", "main": "server.js", "dependencies": {"express": "4"}}',
        "package-lock.json": "{}",
        "server.js": "app.listen(process.env.PORT || 4000)\n",
    },
    "node-yarn-next": {
        "package.json": '{"name": "site", "scripts": {"build": "next build"}, '
        '"dependencies": {"next": "15"}}',
        "yarn.lock": "",
    },
    "node-pnpm": {
        "package.json": '{"name": "svc", "scripts": {"start": "node dist/index.js"}}',
        "pnpm-lock.yaml": "",
    },
    "java-maven-spring": {
        "pom.xml": "<project><parent><artifactId>spring-boot-starter-parent</artifactId>"
        "</parent></project>",
    },
    "java-gradle": {"build.gradle.kts": 'plugins { id("org.springframework.boot") }\n'},
    "go": {"go.mod": "module example.com/api\n\ngo 1.23\n", "main.go": "package main\n"},
    "dotnet": {"Shop.csproj": '<Project Sdk="Microsoft.NET.Sdk.Web"></Project>'},
    "ruby-rails": {"Gemfile": "gem 'rails'\n", "config.ru": ""},
    "php-composer": {"composer.json": '{"require": {"laravel/framework": "^11"}}'},
    "static": {"index.html": "<h1>hi</h1>"},
    "unknown": {"README.txt": "a mystery"},
    "procfile": {
        "requirements.txt": "gunicorn\n",
        "Procfile": "web: gunicorn shop.wsgi --bind 0.0.0.0:$PORT\nworker: celery -A shop\n",
    },
}

COMPOSE: dict[str, str] = {
    "web-db-cache": """
services:
  web:
    image: nginx:1.27.3-alpine
    ports: ["80:8080"]
    depends_on: [app]
  app:
    build: ./app
    environment:
      DATABASE_URL: postgresql://shop@db:5432/shop
      CACHE_HOST: cache
    depends_on: [db, cache]
  db:
    image: postgres:16.6
    environment:
      POSTGRES_PASSWORD: SuperSecret123!
    volumes: [dbdata:/var/lib/postgresql/data]
  cache:
    image: redis:7.4.1
    expose: ["6379"]
volumes:
  dbdata: {}
""",
    "worker-queue": """
services:
  producer:
    build: ./app
    ports: ["8000:8000"]
    environment:
      AMQP_URL: amqp://shop:hunter2@queue:5672/
  worker:
    build: ./app
    command: celery -A tasks worker
    depends_on: [queue]
    deploy:
      replicas: 4
      resources:
        limits: {cpus: "2", memory: 1G}
        reservations: {cpus: "0.5", memory: 512M}
  queue:
    image: rabbitmq:3.13.7-management
    expose: ["5672"]
""",
    "multi-network": """
services:
  proxy:
    image: nginx:1.27.3-alpine
    ports: ["443:8443"]
    networks: [front]
    depends_on: [api]
  api:
    build: ./app
    expose: ["8000"]
    networks: [front, back]
    depends_on: [db]
  db:
    image: mysql:8.4.3
    expose: ["3306"]
    networks: [back]
  admin:
    build: ./app
    expose: ["9000"]
    networks: [back]
    depends_on: [db]
networks:
  front: {}
  back: {}
""",
    "secrets": """
services:
  app:
    build: ./app
    ports: ["8000:8000"]
    env_file: app.env
    secrets:
      - db_password
      - source: api_token
        target: /etc/app/token
secrets:
  db_password: {file: ./db_password.txt}
  api_token: {file: ./token.txt}
""",
    "healthchecks": """
services:
  api:
    build: ./app
    ports: ["8000:8000"]
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost:8000/health"]
      interval: 1m30s
      timeout: 10s
      retries: 5
      start_period: 40s
  db:
    image: postgres:16.6
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -U postgres"]
      interval: 5s
""",
}

ENV_FILES = {"app.env": "LOG_LEVEL=debug\nPAYMENT_API_KEY=fake-key-for-tests-0123\nREGION=eu\n"}


def make_app(root: Path, kind: str) -> Path:
    """Create the sample application ``kind`` under ``root`` and return its folder."""
    folder = root / kind
    for rel, text in APPS[kind].items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def make_compose(root: Path, case: str) -> Path:
    """Write compose case ``case`` (with a Python app folder and env files) under ``root``."""
    folder = root / case
    make_app(folder, "python-pip-flask").rename(folder / "app")
    for name, text in ENV_FILES.items():
        (folder / name).write_text(text)
    path = folder / "docker-compose.yml"
    path.write_text(COMPOSE[case].lstrip())
    return path
