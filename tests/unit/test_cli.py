"""CLI contract: help with examples everywhere, --json, one-line errors, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import pytest
import typer

from skylift.cli.app import app
from skylift.cli.options import OptionGroup
from tests.helpers import run_cli


def _all_commands() -> list[list[str]]:
    root = typer.main.get_command(app)
    paths: list[list[str]] = []

    # typer ships its own click: duck-type groups (they list sub-commands).
    def walk(cmd: Any, prefix: list[str]) -> None:
        if hasattr(cmd, "list_commands"):
            ctx = cmd.make_context("skylift", [], resilient_parsing=True)
            for name in cmd.list_commands(ctx):
                walk(cmd.get_command(ctx, name), [*prefix, name])
        else:
            paths.append(prefix)

    walk(root, [])
    return paths


def test_the_walk_finds_every_command() -> None:
    names = {" ".join(p) for p in _all_commands()}
    assert {
        "init",
        "inventory",
        "discover rvtools",
        "plan decide",
        "transfer",
        "verify data",
    } <= names
    assert len(names) >= 15


@pytest.mark.parametrize("args", [["bogus"], ["plan", "--max-servers", "abc"]])
def test_usage_errors_exit_2_without_traceback(args: list[str]) -> None:
    result = run_cli(*args)
    assert result.code == 2
    assert "Traceback" not in result.stderr
    assert "internal error" not in result.stderr


def test_importing_the_cli_loads_no_command_module() -> None:
    code = (
        "import sys, skylift.cli.app\n"
        "print(','.join(m for m in sys.modules if m.startswith('skylift.cli.')"
        " and m not in ('skylift.cli.app', 'skylift.cli.context', 'skylift.cli.exits')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


@pytest.mark.parametrize("path", _all_commands(), ids=" ".join)
def test_every_command_has_help_with_examples_and_json(path: list[str]) -> None:
    result = run_cli(*path, "--help")
    assert result.code == 0
    assert "Example" in result.stdout
    assert "--json" in result.stdout


def test_init_then_inventory_json(tmp_path: Path) -> None:
    ws = tmp_path / "w"
    assert run_cli("init", str(ws), "--json").code == 0
    result = run_cli("--workspace", str(ws), "inventory", "--json")
    assert result.code == 0
    data = json.loads(result.stdout)
    assert data["totals"]["servers"] == 0


def test_error_is_one_line_with_hint_and_exit_code(tmp_path: Path) -> None:
    result = run_cli("--workspace", str(tmp_path), "inventory")
    assert result.code == 3
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert lines[0].startswith("error: ")
    assert lines[1].startswith("hint: ")
    assert "Traceback" not in result.stderr


def test_error_with_json_is_machine_readable(tmp_path: Path) -> None:
    result = run_cli("--workspace", str(tmp_path), "inventory", "--json")
    assert result.code == 3
    assert json.loads(result.stdout)["type"] == "WorkspaceNotFoundError"


def test_importing_the_cli_loads_no_cloud_sdk() -> None:
    code = (
        "import sys, skylift.cli.app\n"
        "bad = [m for m in ('boto3', 'botocore', 'azure', 'google.cloud', 'paramiko', 'obstore',"
        " 'polars', 'duckdb') if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_python_dash_m_works() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "skylift", "--version"], capture_output=True, text=True, check=False
    )
    assert out.returncode == 0
    assert out.stdout.startswith("skylift ")


def test_exit_statuses_come_from_one_table() -> None:
    from skylift.cli import exits
    from skylift.errors import GenerationError, InputError, TransferError, VerificationError

    # the documented codes (docs/scan.md, docs/transfer.md, docs/architecture.md)
    assert exits.outcome_code(exits.Outcome.FINDINGS) == 1
    assert exits.outcome_code(exits.Outcome.TRANSFER_INCOMPLETE) == TransferError.exit_code == 5
    assert exits.outcome_code(exits.Outcome.DIFFERS) == VerificationError.exit_code == 6
    assert exits.outcome_code(exits.Outcome.CHECK_FAILED) == GenerationError.exit_code == 7
    assert exits.outcome_code(exits.Outcome.INTERRUPTED) == 130
    assert exits.error_code(InputError("x")) == 2
    assert set(exits.OUTCOME_CODES) == set(exits.Outcome)


def test_no_command_module_ends_the_process_itself() -> None:
    import re

    cli = Path(__file__).resolve().parents[2] / "src" / "skylift" / "cli"
    for module in sorted(cli.glob("*.py")):
        if module.name == "app.py":
            continue
        text = module.read_text(encoding="utf-8")
        assert not re.search(r"sys\.exit\(|typer\.Exit\(", text), module.name


#: A command is thin: parse, one call into skylift.workspace, render (the project brief).
MAX_COMMAND_LINES = 40


def _command_functions() -> dict[str, Any]:
    """Every command function (and group callback) of the CLI, by its command path.

    Walks the click tree typer builds (so commands of every module registered in
    ``COMMANDS``, sub-apps included, are found) and unwraps typer's and the option
    groups' wrappers down to the function as written.
    """
    import inspect

    root = typer.main.get_command(app)
    found: dict[str, Any] = {}

    def walk(cmd: Any, prefix: list[str]) -> None:
        if cmd.callback is not None:
            found[" ".join(prefix) or "skylift"] = inspect.unwrap(cmd.callback)
        if hasattr(cmd, "list_commands"):
            ctx = cmd.make_context("skylift", [], resilient_parsing=True)
            for name in cmd.list_commands(ctx):
                walk(cmd.get_command(ctx, name), [*prefix, name])

    walk(root, [])
    return found


def _lines(function: Any) -> int:
    """Lines from ``def`` to the end of the body (signature and docstring included)."""
    import ast
    import inspect
    import textwrap

    source = textwrap.dedent(inspect.getsource(function))
    node = ast.parse(source).body[0]
    assert isinstance(node, ast.FunctionDef), function
    assert node.end_lineno is not None
    return node.end_lineno - node.lineno + 1


def test_the_length_walk_finds_commands_of_every_module() -> None:
    from skylift.cli.app import COMMANDS

    functions = _command_functions()
    modules = {f.__module__ for f in functions.values()}
    assert {entry.module for entry in COMMANDS.values()} <= modules
    assert {"transfer", "plan", "plan pack", "discover perf"} <= set(functions)
    # the walker measures the function as written, not a wrapper
    assert _lines(functions["transfer"]) > 15


def test_every_command_is_at_most_40_lines() -> None:
    too_long = {
        f"{path} ({inspect_file(f)}): {n} lines"
        for path, f in _command_functions().items()
        if (n := _lines(f)) > MAX_COMMAND_LINES
    }
    assert not too_long, (
        f"commands over {MAX_COMMAND_LINES} lines (signature and docstring included); move "
        "parsing into an option group (skylift.cli.options) or a request builder in "
        f"skylift.workspace: {sorted(too_long)}"
    )


def inspect_file(function: Any) -> str:
    """``module:line`` of a function, for the failure message."""
    return f"{function.__module__}:{function.__code__.co_firstlineno}"


@dataclass(frozen=True)
class _Globs(OptionGroup):
    include: Annotated[list[str] | None, typer.Option("--include")] = None
    min_age: Annotated[str | None, typer.Option()] = None


@dataclass(frozen=True)
class _Pace(OptionGroup):
    jobs: int | None = None


def test_an_option_group_is_one_parameter_to_the_command_and_its_flags_to_typer() -> None:
    from typer.testing import CliRunner

    from skylift.cli.options import with_option_groups

    seen: list[object] = []

    @with_option_groups
    def command(
        name: Annotated[str, typer.Argument()], *, globs: _Globs, dry_run: bool = False
    ) -> None:
        seen.append((name, globs, dry_run))

    app_ = typer.Typer()
    app_.command()(command)
    runner = CliRunner()
    ok = runner.invoke(app_, ["x", "--include", "a", "--include", "b", "--dry-run"])
    assert ok.exit_code == 0, ok.output
    assert seen == [("x", _Globs(include=["a", "b"], min_age=None), True)]
    assert seen[0][1].values() == {"include": ("a", "b"), "min_age": None}  # type: ignore[attr-defined]
    assert _Globs().values() == {"include": (), "min_age": None}
    help_text = runner.invoke(app_, ["--help"], env={"COLUMNS": "200"}).output
    assert (
        help_text.index("--include") < help_text.index("--min-age") < help_text.index("--dry-run")
    )


def test_an_option_group_field_may_not_shadow_a_parameter() -> None:
    from skylift.cli.options import with_option_groups

    def command(*, pace: _Pace, jobs: int = 1) -> None:
        del pace, jobs

    with pytest.raises(TypeError, match="jobs"):
        with_option_groups(command)
