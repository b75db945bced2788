"""Background loads (issue #12): ``skylift transfer`` loads pydantic and rich once its
listing is done, in a thread that pauses before each import and shortens the switch
interval meanwhile, so the workers are not kept from the GIL; everything is put back
after, and only that thread pauses."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from skylift.cli import warm


def test_the_loads_run_in_order_and_everything_is_put_back() -> None:
    switch, finders = sys.getswitchinterval(), list(sys.meta_path)
    seen: list[object] = []
    thread = warm.in_background(
        lambda: seen.append(sys.getswitchinterval()),
        lambda: seen.append(isinstance(sys.meta_path[0], warm._Pausing)),
    )
    thread.join(10)
    assert seen == [warm.SWITCH_S, True]
    assert sys.getswitchinterval() == switch
    assert sys.meta_path == finders


def test_a_failing_load_puts_everything_back_too() -> None:
    switch, finders = sys.getswitchinterval(), list(sys.meta_path)

    def fail() -> None:
        raise RuntimeError("load failed")

    previous = threading.excepthook
    threading.excepthook = lambda _args: None  # the thread's error is expected here
    try:
        warm.in_background(fail).join(10)
    finally:
        threading.excepthook = previous
    assert sys.getswitchinterval() == switch
    assert sys.meta_path == finders


def test_only_the_loading_thread_pauses_before_an_import() -> None:
    finder = warm._Pausing(threading.current_thread())
    started = time.perf_counter()
    for _ in range(20):
        finder.find_spec("some.module", None)
    assert time.perf_counter() - started >= 20 * warm.PAUSE_S
    other: list[float] = []

    def elsewhere() -> None:
        t0 = time.perf_counter()
        for _ in range(20):
            assert finder.find_spec("some.module", None) is None
        other.append(time.perf_counter() - t0)

    thread = threading.Thread(target=elsewhere)
    thread.start()
    thread.join(10)
    assert other[0] < 20 * warm.PAUSE_S


@pytest.mark.parametrize("workspace", [False, True])  # in one, tracking passes the call on
def test_a_transfer_loads_the_result_model_and_renderer_in_the_background(
    tmp_path: Path, workspace: bool
) -> None:
    """The warm-up thread imports pydantic and rich (and builds the result's validator)
    after the listing is done: the main thread only uses them."""
    src = tmp_path / "src"
    src.mkdir()
    for i in range(200):
        (src / f"f{i}.txt").write_text(f"{i}\n")
    code = textwrap.dedent(
        """
        import sys, threading
        loaded, listed = {}, []
        class Spy:
            def find_spec(self, name, path, target=None):
                if name in ("pydantic", "rich"):
                    loaded[name] = threading.current_thread().name + (" after" if listed else "")
        sys.meta_path.insert(0, Spy())
        import skylift.transfer.tally as tally
        result = tally.Tally.result
        def joined(self, *args, **kwargs):  # no race with a warm-up that is still running
            for thread in threading.enumerate():
                if thread.name == "skylift-warm-up":
                    thread.join()
            return result(self, *args, **kwargs)
        tally.Tally.result = joined
        import skylift.transfer.engine as engine
        dispatch = engine._dispatch
        def dispatched(*args, **kwargs):
            try:
                return dispatch(*args, **kwargs)
            finally:
                listed.append(True)  # the listing is done
        engine._dispatch = dispatched
        from skylift.cli.app import main
        try:
            main(sys.argv[1:])
        except SystemExit as exc:
            assert not exc.code, exc.code
        print(sorted(loaded.items()))
        """
    )
    argv = ["transfer", str(src), str(tmp_path / "dst"), "--journal", str(tmp_path / "j")]
    if workspace:
        from skylift.workspace import Workspace

        with Workspace.init(tmp_path / "ws", project="t"):
            pass
        argv = ["--workspace", str(tmp_path / "ws"), *argv]
    out = subprocess.run(
        [sys.executable, "-c", code, *argv],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    assert "200 transferred" in out.stdout
    last = out.stdout.splitlines()[-1]
    assert last == "[('pydantic', 'skylift-warm-up after'), ('rich', 'skylift-warm-up after')]"


@pytest.mark.parametrize(("given", "scanned"), [(None, False), ("", True)])
def test_the_command_skips_pydantic_plugins_unless_the_user_set_them(
    tmp_path: Path, given: str | None, scanned: bool
) -> None:
    """skylift uses no pydantic plugins: the command sets PYDANTIC_DISABLE_PLUGINS so
    pydantic does not scan every installed distribution for them (#12); a value the
    user set is kept (empty: plugins on, the scan happens)."""
    import os

    code = textwrap.dedent(
        """
        import sys
        from skylift.cli.app import main
        sys.argv = ["skylift", "transfer", sys.argv[1], sys.argv[2], "--journal", sys.argv[3]]
        import atexit
        def report():
            import pydantic.plugin._loader as loader
            print("scanned:", loader._plugins is not None, flush=True)
        atexit.register(report)
        main()
        """
    )
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text("a\n")
    env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    if given is not None:
        env["PYDANTIC_DISABLE_PLUGINS"] = given
    args = [str(src), str(tmp_path / "dst"), str(tmp_path / "j")]
    out = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=tmp_path,
    )
    assert "1 transferred" in out.stdout
    assert out.stdout.splitlines()[-1] == f"scanned: {scanned}"
