"""``skylift transfer`` parsed without typer (issue #12, start-up): the fast path's
table is the typer command's, both parsers make the same request from any command
line the fast path takes (typer is the oracle), everything else is left to typer,
and a transfer through it never loads typer."""

from __future__ import annotations

import inspect
import typing
from pathlib import Path
from typing import Any

import pytest
import typer
from hypothesis import given, settings
from hypothesis import strategies as st

from skylift.cli import fastpath
from skylift.cli.app import app
from skylift.cli.fastpath import FLAGS, ROOT_FLAGS, Kind
from skylift.cli.transfer import transfer
from skylift.cli.transfer_run import transfer_request
from skylift.storage.memory import MemoryStorage
from skylift.workspace.transferring import TransferRequest
from tests.helpers import run_cli
from tests.unit.transfer.test_startup import _run_and_list as run_and_list


def _typer_commands() -> tuple[Any, Any]:
    root = typer.main.get_command(app)
    ctx = root.make_context("skylift", ["transfer", "a", "b"], resilient_parsing=True)
    return root, root.get_command(ctx, "transfer")


def _kind(annotation: Any) -> Kind:
    """The fast path's kind of a typer parameter, from its type as declared."""
    base = typing.get_args(annotation)[0]  # Annotated[base, typer.Option(...)]
    args = [a for a in typing.get_args(base) if a is not type(None)]
    if typing.get_origin(base) is list or any(typing.get_origin(a) is list for a in args):
        return Kind.MANY
    base = args[0] if args else base
    return {bool: Kind.SWITCH, int: Kind.INT, Path: Kind.PATH, str: Kind.TEXT}[base]


def test_the_table_is_the_typer_commands() -> None:
    root, command = _typer_commands()
    signature = inspect.signature(transfer, eval_str=True)  # the flattened groups
    declared: dict[str, Any] = {}
    for param in command.params:
        if param.param_type_name != "option":
            continue
        annotation = signature.parameters[param.name].annotation
        if param.name == "as_json":  # JSON_OPTION is a default, not an Annotated type
            annotation = typing.Annotated[bool, None]
        declared[param.name] = (tuple(param.opts), _kind(annotation), param.min)
    table = {f.name: (f.spellings, f.kind, f.minimum) for f in FLAGS.values()}
    assert table == declared
    assert all(p.max is None for p in command.params)  # no maximum the table would miss
    roots = {p.name: tuple(p.opts) for p in root.params}
    assert {f.name: f.spellings for f in ROOT_FLAGS.values()} == {
        n: roots[n] for n in ("workspace", "debug")
    }
    assert {"version", "install_completion", "show_completion"} == set(roots) - {
        "workspace",
        "debug",
    }  # the others: left to typer (their spellings are not in the table)


def _typer_request(argv: list[str]) -> tuple[TransferRequest, bool]:
    """What typer parses ``skylift ARGV`` into: the oracle."""
    root, _ = _typer_commands()
    ctx = root.make_context("skylift", list(argv))
    args = [*ctx._protected_args, *ctx.args]
    name, command, rest = root.resolve_command(ctx, args)
    assert name == "transfer"
    sub = command.make_context(name, rest, parent=ctx)
    params = dict(sub.params)
    source, destination = params.pop("source"), params.pop("destination")
    return transfer_request(source, destination, ctx.params["workspace"], params), bool(
        params["as_json"]
    )


_WORD = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=6
).filter(lambda s: not s.startswith("-") and "=" not in s)


def _value(flag: fastpath.Flag) -> st.SearchStrategy[str]:
    if flag.kind is Kind.INT:
        return st.integers(flag.minimum or 0, 10**6).map(str)
    return _WORD


@st.composite
def _command_lines(draw: st.DrawFn) -> list[str]:
    """A command line the fast path takes: root options, ``transfer``, then its flags
    (each form: ``--name``, ``--name VALUE``, ``--name=VALUE``, short) and the two
    positionals, in any order."""
    root: list[str] = []
    for spelling in draw(st.lists(st.sampled_from(sorted(ROOT_FLAGS)), max_size=3)):
        flag = ROOT_FLAGS[spelling]
        if flag.kind is Kind.SWITCH:
            root.append(spelling)
        elif spelling.startswith("--") and draw(st.booleans()):
            root.append(f"{spelling}={draw(_WORD)}")
        else:
            root += [spelling, draw(_WORD)]
    pieces: list[list[str]] = []
    for spelling in draw(st.lists(st.sampled_from(sorted(FLAGS)), max_size=8)):
        flag = FLAGS[spelling]
        if flag.kind is Kind.SWITCH:
            pieces.append([spelling])
        elif spelling.startswith("--") and draw(st.booleans()):
            pieces.append([f"{spelling}={draw(_value(flag))}"])
        else:
            pieces.append([spelling, draw(_value(flag))])
    # the two positionals anywhere among the flags, the source first
    first = draw(st.integers(0, len(pieces)))
    pieces.insert(first, [draw(_WORD)])
    pieces.insert(draw(st.integers(first + 1, len(pieces))), [draw(_WORD)])
    return [*root, "transfer", *(arg for piece in pieces for arg in piece)]


@settings(max_examples=300, deadline=None)
@given(argv=_command_lines())
def test_both_parsers_make_the_same_request(argv: list[str]) -> None:
    fast = fastpath.parse(argv)
    assert fast is not None, argv
    assert fast == _typer_request(argv)


@pytest.mark.parametrize(
    "argv",
    [
        ["transfer", "--help"],
        ["transfer", "a", "b", "-h"],
        ["--version", "transfer", "a", "b"],
        ["transfer", "a", "b", "--jobs", "0"],  # below the minimum: typer's error
        ["transfer", "a", "b", "-j", "1_0"],  # not plain digits: typer converts
        ["transfer", "a", "b", "-j", "\uff14"],  # a fullwidth digit
        ["transfer", "a", "b", "-j4"],
        ["transfer", "a", "b", "--retries", "-1"],
        ["transfer", "a", "b", "--delete=yes"],
        ["transfer", "a", "b", "--bogus"],
        ["transfer", "a", "b", "--include"],  # no value
        ["transfer", "a", "b", "--include", ""],
        ["transfer", "a", "--", "-b"],
        ["transfer", "a", "b", "c"],
        ["transfer", "a"],
        ["transfer", "", "b"],
        ["-w=x", "transfer", "a", "b"],
        ["--debug", "verify", "transfer", "b"],
        ["verify", "a", "b"],
        [],
    ],
)
def test_other_command_lines_are_left_to_typer(argv: list[str]) -> None:
    assert fastpath.parse(argv) is None


def test_a_refused_value_gets_typers_usage_error(tmp_path: Path) -> None:
    result = run_cli("transfer", str(tmp_path), str(tmp_path / "out"), "--jobs", "0")
    assert result.code == 2
    assert "Invalid value for '--jobs' / '-j'" in result.stderr
    assert "transfer" in run_cli("transfer", "--help").stdout


def test_the_typer_path_still_transfers(tmp_path: Path) -> None:
    src, dst = f"memory://fast-{tmp_path.name}-s", f"memory://fast-{tmp_path.name}-d"
    MemoryStorage(src).write("a.txt", b"a", mtime=1.0)
    command = typer.main.get_command(app)
    argv = ["transfer", src, dst, "--journal", str(tmp_path / "j"), "--json"]
    command.main(args=argv, prog_name="skylift", standalone_mode=False)
    assert MemoryStorage(dst).read("a.txt") == b"a"


def test_a_transfer_on_the_fast_path_never_loads_typer(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text("a\n")
    argv = ["transfer", str(src), str(tmp_path / "dst"), "--journal", str(tmp_path / "j")]
    stdout, loaded = run_and_list(argv, "m.split('.')[0] == 'typer'")
    assert "1 transferred" in stdout
    assert loaded == ""
    assert (tmp_path / "dst" / "a.txt").read_text() == "a\n"
