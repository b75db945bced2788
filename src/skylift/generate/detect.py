"""Detect an application's language, framework, package manager, start command and port.

Reads only a few well-known files at the top of the folder (never the whole
tree), so it is cheap on large repositories. Unknown folders are not an error:
they come back as :attr:`Language.UNKNOWN` with a warning, and the Docker
generator writes a generic, clearly commented Dockerfile.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

from skylift.domain.target import AppSpec, GenerationWarning, Language
from skylift.errors import InputError, InputLocation
from skylift.generate.names import dns_name

DEFAULT_PORTS: dict[Language, int] = {
    Language.PYTHON: 8000,
    Language.NODE: 3000,
    Language.JAVA: 8080,
    Language.GO: 8080,
    Language.DOTNET: 8080,
    Language.RUBY: 3000,
    Language.PHP: 8080,
    Language.STATIC: 8080,
}

#: How a server says which port it listens on, most specific first. Client
#: connection settings (``Redis(host='redis', port=6379)``) match none of them.
_SERVER_PORT_PATTERNS = (
    # gunicorn / hypercorn / uvicorn / any "--bind host:port" or "-b host:port"
    re.compile(r"(?:--bind|\B-b)[\s=\"',]+(?:tcp://)?(?:[\w.\[\]]*:)(\d{2,5})\b"),
    re.compile(r"(?:uvicorn|hypercorn|gunicorn|daphne)\b[^\n]*?--port[\s=\"',]+(\d{2,5})\b"),
    re.compile(r"\b(?:app|server|application|web)\.run\([^)]*?\bport\s*=\s*(\d{2,5})\b"),
    re.compile(r"\buvicorn\.run\([^)]*?\bport\s*=\s*(\d{2,5})\b"),
    re.compile(r"\.listen\(\s*(?:process\.env\.PORT\s*\|\|\s*)?(\d{2,5})\b"),
    re.compile(r"ListenAndServe(?:TLS)?\(\s*\"[^\"]*:(\d{2,5})\""),
    re.compile(r"^\s*server\.port\s*[=:]\s*(\d{2,5})\b", re.MULTILINE),
    re.compile(r"^server:\s*\n(?:[ \t]+.*\n)*?[ \t]+port:\s*(\d{2,5})\b", re.MULTILINE),
    re.compile(r"^\s*bind\s*=\s*[\"'\[]*[^\"'\n]*:(\d{2,5})\b", re.MULTILINE),
    re.compile(r"\brunserver\s+[\"']?(?:[\d.]+:)?(\d{2,5})\b"),
    re.compile(r"\bFLASK_RUN_PORT[\s=]+(\d{2,5})\b"),
    re.compile(r"^\s*EXPOSE\s+(\d{2,5})", re.MULTILINE),
    re.compile(r"\bENV\s+PORT[\s=]+(\d{2,5})\b"),
    re.compile(r"process\.env\.PORT\s*\|\|\s*(\d{2,5})\b"),
)

#: Where a server's port is written, read in this order: how the image runs
#: (Dockerfile, Procfile), then the entry-point sources and the Spring settings.
_PORT_SOURCES = (
    "Dockerfile",
    "Procfile",
    "gunicorn.conf.py",
    "app.py",
    "main.py",
    "wsgi.py",
    "asgi.py",
    "server.py",
    "run.py",
    "server.js",
    "index.js",
    "app.js",
    "main.go",
    "src/main/resources/application.properties",
    "src/main/resources/application.yml",
)


def _read(path: Path, limit: int = 200_000) -> str:
    try:
        with path.open("r", encoding="utf-8", errors="replace") as fh:
            return fh.read(limit)
    except OSError:
        return ""


def read_procfile(folder: Path) -> dict[str, tuple[str, ...]]:
    """Parse a Heroku-style ``Procfile`` into ``{process type: command words}``."""
    text = _read(folder / "Procfile")
    procs: dict[str, tuple[str, ...]] = {}
    for line in text.splitlines():
        if ":" not in line or line.lstrip().startswith("#"):
            continue
        kind, cmd = line.split(":", 1)
        if kind.strip() and cmd.strip():
            procs[kind.strip()] = tuple(cmd.split())
    return procs


def _port_in(texts: list[str]) -> int | None:
    for text in texts:
        for pattern in _SERVER_PORT_PATTERNS:
            m = pattern.search(text)
            if m:
                port = int(m.group(1))
                if 1 <= port <= 65535:
                    return port
    return None


def served_port(folder: Path) -> int | None:
    """The port the application's server listens on, from how it is started.

    Server commands and calls win (gunicorn/uvicorn ``--bind``/``--port``,
    ``app.run(port=)``, ``server.listen(N)``, ``ListenAndServe(":N")``,
    Spring ``server.port``, ``EXPOSE``); client connection strings to other
    services never count. ``None`` when nothing says.
    """
    return _port_in([_read(folder / f, 50_000) for f in _PORT_SOURCES])


def _python(folder: Path, evidence: list[str], served: int | None) -> dict[str, object]:
    pm = "pip"
    deps = ""
    pyproject = folder / "pyproject.toml"
    if pyproject.exists():
        evidence.append("pyproject.toml")
        text = _read(pyproject)
        deps += text.lower()
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InputError(
                f"pyproject.toml is not valid TOML: {exc}",
                "fix the file or remove it so requirements.txt is used",
                InputLocation(str(pyproject)),
            ) from exc
        if "poetry" in data.get("tool", {}):
            pm = "poetry"
        if (folder / "uv.lock").exists():
            pm = "uv"
            evidence.append("uv.lock")
        elif (folder / "poetry.lock").exists():
            pm = "poetry"
            evidence.append("poetry.lock")
    if (folder / "requirements.txt").exists():
        evidence.append("requirements.txt")
        deps += _read(folder / "requirements.txt").lower()
    framework = None
    for name in ("django", "fastapi", "flask"):
        if re.search(rf"\b{name}\b", deps):
            framework = name
            break
    if (folder / "manage.py").exists():
        framework = "django"
        evidence.append("manage.py")
    module = next(
        (m for m in ("app", "main", "wsgi", "server") if (folder / f"{m}.py").exists()), "app"
    )
    port = served or DEFAULT_PORTS[Language.PYTHON]
    bind = "0.0.0.0"  # noqa: S104 - inside a container the app must listen on all interfaces
    start: tuple[str, ...]
    if framework == "django":
        project = next((p.parent.name for p in sorted(folder.glob("*/wsgi.py"))), "config")
        start = ("gunicorn", f"{project}.wsgi:application", "--bind", f"{bind}:{port}")
    elif framework == "fastapi":
        start = ("uvicorn", f"{module}:app", "--host", bind, "--port", str(port))
    elif framework == "flask":
        start = ("gunicorn", f"{module}:app", "--bind", f"{bind}:{port}")
    else:
        start = ("python", f"{module}.py")
    install = {
        "pip": ("pip", "install", "--no-cache-dir", "-r", "requirements.txt"),
        "poetry": ("pip", "install", "--no-cache-dir", "."),
        "uv": ("pip", "install", "--no-cache-dir", "."),
    }[pm]
    if pm == "pip" and not (folder / "requirements.txt").exists():
        install = ("pip", "install", "--no-cache-dir", ".")
    return {
        "package_manager": pm,
        "framework": framework,
        "install_command": install,
        "start_command": start,
        "port": port,
        "runtime_version": "3.12",
    }


def _node(folder: Path, evidence: list[str]) -> dict[str, object]:
    path = folder / "package.json"
    evidence.append("package.json")
    try:
        pkg = json.loads(_read(path) or "{}")
    except json.JSONDecodeError as exc:
        raise InputError(
            f"package.json is not valid JSON: {exc.msg} at line {exc.lineno}",
            "fix the JSON syntax",
            InputLocation(str(path), row=exc.lineno),
        ) from exc
    if not isinstance(pkg, dict):
        pkg = {}
    pm = "npm"
    for lock, name in (("pnpm-lock.yaml", "pnpm"), ("yarn.lock", "yarn")):
        if (folder / lock).exists():
            pm = name
            evidence.append(lock)
            break
    deps = {**(pkg.get("dependencies") or {}), **(pkg.get("devDependencies") or {})}
    framework = next((f for f in ("next", "@nestjs/core", "express", "fastify") if f in deps), None)
    scripts = pkg.get("scripts") or {}
    install = {
        "npm": ("npm", "ci"),
        "yarn": ("yarn", "install", "--frozen-lockfile"),
        "pnpm": ("pnpm", "install", "--frozen-lockfile"),
    }[pm]
    if pm == "npm" and not (folder / "package-lock.json").exists():
        install = ("npm", "install")
    build = (pm, "run", "build") if "build" in scripts else ()
    main = str(pkg.get("main") or "index.js")
    start_script = str(scripts.get("start", ""))
    if start_script.startswith("node "):
        start = tuple(start_script.split())
    elif framework == "next":
        start = ("node_modules/.bin/next", "start")
    else:
        start = ("node", main)
    return {
        "package_manager": pm,
        "framework": framework.lstrip("@").split("/")[0] if framework else None,
        "install_command": install,
        "build_command": build,
        "start_command": start,
        "port": DEFAULT_PORTS[Language.NODE],
        "runtime_version": "22",
    }


def _java(folder: Path, evidence: list[str]) -> dict[str, object]:
    build: tuple[str, ...]
    if (folder / "pom.xml").exists():
        evidence.append("pom.xml")
        pm, build = "maven", ("mvn", "-B", "-q", "package", "-DskipTests")
        text = _read(folder / "pom.xml")
    else:
        gradle = next(p for p in ("build.gradle.kts", "build.gradle") if (folder / p).exists())
        evidence.append(gradle)
        pm, build = "gradle", ("gradle", "--no-daemon", "-q", "bootJar")
        text = _read(folder / gradle)
    framework = "spring-boot" if "spring-boot" in text else None
    return {
        "package_manager": pm,
        "framework": framework,
        "build_command": build,
        "start_command": ("java", "-jar", "/app/app.jar"),
        "port": DEFAULT_PORTS[Language.JAVA],
        "runtime_version": "21",
        "health_path": "/actuator/health" if framework else None,
    }


def detect_app(folder: Path, name: str | None = None) -> tuple[AppSpec, list[GenerationWarning]]:
    """Look at ``folder`` and say how to build and run what is in it.

    Raises :class:`InputError` when the folder does not exist; an unrecognised
    folder yields ``Language.UNKNOWN`` and a warning, never an exception.
    """
    if not folder.is_dir():
        raise InputError(
            "application folder not found",
            "pass the folder that holds the application's source",
            InputLocation(str(folder)),
        )
    evidence: list[str] = []
    warnings: list[GenerationWarning] = []
    info: dict[str, object]
    if (folder / "package.json").exists():
        language, info = Language.NODE, _node(folder, evidence)
    elif any((folder / f).exists() for f in ("pyproject.toml", "requirements.txt", "Pipfile")):
        language, info = Language.PYTHON, _python(folder, evidence, served_port(folder))
    elif any((folder / f).exists() for f in ("pom.xml", "build.gradle", "build.gradle.kts")):
        language, info = Language.JAVA, _java(folder, evidence)
    elif (folder / "go.mod").exists():
        evidence.append("go.mod")
        m = re.search(r"^go\s+(\d+\.\d+)", _read(folder / "go.mod"), re.MULTILINE)
        language = Language.GO
        info = {
            "package_manager": "go modules",
            "build_command": ("go", "build", "-trimpath", "-o", "/out/app", "."),
            "start_command": ("/app/app",),
            "runtime_version": m.group(1) if m else "1.23",
        }
    elif csproj := sorted(folder.glob("*.csproj")):
        evidence.append(csproj[0].name)
        language = Language.DOTNET
        dll = csproj[0].stem + ".dll"
        framework = "aspnetcore" if "Microsoft.NET.Sdk.Web" in _read(csproj[0]) else None
        info = {
            "package_manager": "nuget",
            "framework": framework,
            "build_command": ("dotnet", "publish", "-c", "Release", "-o", "/out"),
            "start_command": ("dotnet", f"/app/{dll}"),
            "runtime_version": "8.0",
        }
    elif (folder / "Gemfile").exists():
        evidence.append("Gemfile")
        gems = _read(folder / "Gemfile")
        language = Language.RUBY
        rails = "rails" in gems
        info = {
            "package_manager": "bundler",
            "framework": "rails" if rails else ("sinatra" if "sinatra" in gems else None),
            "install_command": ("bundle", "install"),
            "start_command": ("bundle", "exec", "puma", "-b", "tcp://0.0.0.0:3000")
            if rails or (folder / "config.ru").exists()
            else ("bundle", "exec", "ruby", "app.rb"),
            "runtime_version": "3.3",
        }
    elif (folder / "composer.json").exists() or (folder / "index.php").exists():
        language = Language.PHP
        has_composer = (folder / "composer.json").exists()
        evidence.append("composer.json" if has_composer else "index.php")
        info = {
            "package_manager": "composer" if has_composer else None,
            "framework": "laravel" if "laravel" in _read(folder / "composer.json") else None,
            "install_command": ("composer", "install", "--no-dev", "--no-interaction")
            if has_composer
            else (),
            "runtime_version": "8.3",
        }
    elif (folder / "index.html").exists():
        evidence.append("index.html")
        language, info = Language.STATIC, {"framework": None}
    else:
        language, info = Language.UNKNOWN, {}
    procfile = read_procfile(folder)
    start = info.get("start_command", ())
    if "web" in procfile:
        evidence.append("Procfile")
        start = tuple(w.replace("$PORT", "${PORT}") for w in procfile["web"])
    port_obj = info.get("port")
    port = port_obj if isinstance(port_obj, int) else DEFAULT_PORTS.get(language)
    found = served_port(folder)
    if found is not None and language is not Language.STATIC:
        port = found
    existing = folder / "Dockerfile"
    return (
        AppSpec(
            name=name or dns_name(folder.resolve().name),
            path=str(folder),
            language=language,
            framework=_opt_str(info.get("framework")),
            package_manager=_opt_str(info.get("package_manager")),
            runtime_version=_opt_str(info.get("runtime_version")),
            install_command=_words(info.get("install_command")),
            build_command=_words(info.get("build_command")),
            start_command=_words(start),
            port=port,
            health_path=_opt_str(info.get("health_path")),
            dockerfile="Dockerfile" if existing.exists() else None,
            evidence=tuple(evidence),
        ),
        warnings,
    )


def _opt_str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _words(value: object) -> tuple[str, ...]:
    if isinstance(value, tuple | list):
        return tuple(str(v) for v in value)
    return ()
