"""``skylift transfer`` parsed without typer: the common forms of its command line.

Why (issue #12): a transfer's start-up is on its critical path, and typer 0.29
spends ~22 ms of CPU there before the first byte moves — its import and its
copy of click (~12 ms), and a pydantic ``TypeAdapter`` built per parameter
when it parses (~9 ms for transfer's 31). The data mover's users run the
defaults, often in loops of small transfers, so ``skylift transfer`` parses its
usual command lines here, from the table :data:`FLAGS`, and goes straight to
the same request, run and rendering (:mod:`skylift.cli.transfer_run`).

Taken here: ``[--workspace PATH | -w PATH | --debug]... transfer ARG...`` where
each ARG is one of transfer's flags (``--name``, ``--name VALUE``,
``--name=VALUE``, ``-j VALUE``) or one of its two positional arguments.
Everything else is left to typer (:func:`parse` returns None): ``--help``,
``--version``, an unknown or misspelt flag, a value typer would convert or
refuse (an integer that is not plain ASCII digits or is below its minimum, an
empty value or one starting with ``-``), ``--``, a missing or third positional.
So help, usage errors and completion stay typer's, word for word; a flag added
to the typer command but not here only takes the slower path.
``tests/unit/cli/test_fastpath.py`` checks :data:`FLAGS` against the command
typer builds and that both parsers make the same request from generated argv.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from skylift.workspace.transferring import TransferRequest

COMMAND = "transfer"


class Kind(Enum):
    """How a flag takes its value."""

    SWITCH = "switch"  # no value: True when given
    TEXT = "text"
    INT = "int"
    PATH = "path"
    MANY = "many"  # text, repeatable: a list of every value given


@dataclass(frozen=True)
class Flag:
    """One option of the command: the parameter it sets, how, and its spellings."""

    name: str
    kind: Kind
    spellings: tuple[str, ...]
    minimum: int | None = None


def _by_spelling(*flags: Flag) -> dict[str, Flag]:
    return {spelling: flag for flag in flags for spelling in flag.spellings}


#: The root options a transfer's command line may start with.
ROOT_FLAGS = _by_spelling(
    Flag("workspace", Kind.PATH, ("--workspace", "-w")),
    Flag("debug", Kind.SWITCH, ("--debug",)),
)

#: ``skylift transfer``'s options, as declared for typer in :mod:`skylift.cli.transfer`.
FLAGS = _by_spelling(
    Flag("delete", Kind.SWITCH, ("--delete",)),
    Flag("checksum", Kind.SWITCH, ("--checksum",)),
    Flag("include", Kind.MANY, ("--include",)),
    Flag("exclude", Kind.MANY, ("--exclude",)),
    Flag("min_age", Kind.TEXT, ("--min-age",)),
    Flag("max_age", Kind.TEXT, ("--max-age",)),
    Flag("min_size", Kind.TEXT, ("--min-size",)),
    Flag("max_size", Kind.TEXT, ("--max-size",)),
    Flag("dry_run", Kind.SWITCH, ("--dry-run",)),
    Flag("bwlimit", Kind.TEXT, ("--bwlimit",)),
    Flag("jobs", Kind.INT, ("--jobs", "-j"), minimum=1),
    Flag("part_size", Kind.TEXT, ("--part-size",)),
    Flag("multipart_threshold", Kind.TEXT, ("--multipart-threshold",)),
    Flag("backup_to", Kind.TEXT, ("--backup-to",)),
    Flag("encrypt", Kind.SWITCH, ("--encrypt",)),
    Flag("compress", Kind.SWITCH, ("--compress",)),
    Flag("decode", Kind.SWITCH, ("--decode",)),
    Flag("key_file", Kind.PATH, ("--key-file",)),
    Flag("no_manifest", Kind.SWITCH, ("--no-manifest",)),
    Flag("retries", Kind.INT, ("--retries",), minimum=0),
    Flag("unreachable_after", Kind.TEXT, ("--unreachable-after",)),
    Flag("journal", Kind.PATH, ("--journal",)),
    Flag("servers", Kind.MANY, ("--server",)),
    Flag("wave", Kind.INT, ("--wave",)),
    Flag("engine", Kind.TEXT, ("--engine",)),
    Flag("address", Kind.TEXT, ("--address",)),
    Flag("metrics_port", Kind.INT, ("--metrics-port",)),
    Flag("links", Kind.TEXT, ("--links",)),
    Flag("as_json", Kind.SWITCH, ("--json",)),
)


class _Declined(Exception):  # noqa: N818 -- a signal, not an error
    """The command line is not one this module takes: typer parses it."""


def _value(flag: Flag, text: str) -> object:
    """``text`` converted as typer would, or :class:`_Declined` where it might differ."""
    if not text or text.startswith("-"):
        raise _Declined
    if flag.kind is Kind.INT:
        if not (text.isascii() and text.isdigit()):
            raise _Declined
        number = int(text)
        if flag.minimum is not None and number < flag.minimum:
            raise _Declined
        return number
    return Path(text) if flag.kind is Kind.PATH else text


def _options(args: list[str], table: dict[str, Flag], values: dict[str, object]) -> list[str]:
    """Consume ``args`` (flags of ``table`` into ``values``); the positional arguments.

    With ``table`` the root options, stops at the first positional (the command's
    name) and returns it with everything after it.
    """
    positional: list[str] = []
    rest = iter(args)
    for arg in rest:
        if not arg.startswith("-"):
            if table is ROOT_FLAGS:
                return [arg, *rest]
            positional.append(arg)
            continue
        spelling, equals, attached = arg.partition("=")
        flag = table.get(spelling)
        if flag is None or (equals and not spelling.startswith("--")):
            raise _Declined  # unknown, --, -h, -j4, -w=x
        if flag.kind is Kind.SWITCH:
            if equals:
                raise _Declined
            values[flag.name] = True
            continue
        text = attached if equals else next(rest, "")
        value = _value(flag, text)
        if flag.kind is Kind.MANY:
            many = values.setdefault(flag.name, [])
            assert isinstance(many, list)
            many.append(value)
        else:
            values[flag.name] = value
    return positional


def parse(argv: list[str]) -> tuple[TransferRequest, bool] | None:
    """The request of a ``skylift transfer`` command line and whether it asks for JSON;
    None when ``argv`` is anything else or a form left to typer (see the module)."""
    if COMMAND not in argv:
        return None
    from skylift.cli.transfer_run import transfer_request

    root: dict[str, object] = {}
    flags: dict[str, object] = {}
    try:
        command, *args = _options(argv, ROOT_FLAGS, root) or [""]
        if command != COMMAND:
            return None
        positional = _options(args, FLAGS, flags)
    except _Declined:
        return None
    if len(positional) != 2 or "" in positional:
        return None
    workspace = root.get("workspace")
    assert workspace is None or isinstance(workspace, Path)
    as_json = bool(flags.get("as_json", False))
    return transfer_request(positional[0], positional[1], workspace, flags), as_json


def run(argv: list[str]) -> bool:
    """Run ``skylift transfer`` if :func:`parse` takes ``argv`` (True), else do nothing.

    Errors propagate as from the typer command (the entry point maps them).
    """
    parsed = parse(argv)
    if parsed is None:
        return False
    from skylift.cli.transfer_run import run_command

    request, as_json = parsed
    run_command(request, as_json)
    return True
