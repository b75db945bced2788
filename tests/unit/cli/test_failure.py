"""Which exception decides a failed command's status (``skylift.cli.failure``, #12):
clean-up that fails while an interrupt or a skylift error unwinds must not replace it."""

from __future__ import annotations

import pytest

from skylift.cli import exits, failure
from skylift.errors import InputError, ProviderError


def _raised(first: BaseException, then: BaseException | None = None) -> BaseException:
    """What propagates when ``first`` is raised and a ``finally`` then raises ``then``."""
    try:
        try:
            raise first
        finally:
            if then is not None:
                raise then
    except BaseException as exc:
        return exc


def test_a_cleanup_error_after_ctrl_c_keeps_130_and_becomes_a_warning() -> None:
    got = failure.describe(_raised(KeyboardInterrupt(), OSError(5, "disk gone")))
    assert (got.kind, got.code, got.message) == ("Interrupted", 130, "interrupted")
    assert got.warnings == ("clean-up failed after that: OSError: [Errno 5] disk gone",)


def test_a_cleanup_error_after_a_skylift_error_keeps_its_family_status() -> None:
    got = failure.describe(_raised(ProviderError("store said no", "retry"), ValueError("x")))
    assert (got.kind, got.code, got.message, got.hint) == (
        "ProviderError",
        4,
        "store said no",
        "retry",
    )
    assert len(got.warnings) == 1


def test_a_bug_on_its_own_is_an_internal_error() -> None:
    got = failure.describe(_raised(ZeroDivisionError("division by zero")))
    assert (got.kind, got.code) == ("InternalError", exits.INTERNAL)
    assert got.message == "internal error: ZeroDivisionError: division by zero"
    assert got.warnings == ()


def test_an_error_raised_from_another_on_purpose_is_not_unwound() -> None:
    try:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as exc:
            raise RuntimeError("converted") from exc
    except RuntimeError as exc:
        got = failure.describe(exc)
    assert (got.kind, got.code) == ("InternalError", exits.INTERNAL)


def test_notes_on_the_interrupt_are_warnings_and_finished_keeps_its_outcome() -> None:
    interrupt = KeyboardInterrupt()
    interrupt.add_note("could not close the transfer journal /j.sqlite: EIO")
    try:
        try:
            raise interrupt
        except KeyboardInterrupt:
            raise exits.Finished(exits.Outcome.INTERRUPTED) from None
    except exits.Finished as exc:
        got = failure.describe(exc)
    assert (got.kind, got.code, got.said) == ("Interrupted", 130, True)
    assert got.warnings == ("could not close the transfer journal /j.sqlite: EIO",)


@pytest.mark.parametrize("outcome", [exits.Outcome.DIFFERS, exits.Outcome.TRANSFER_INCOMPLETE])
def test_a_rendered_outcome_prints_nothing_more(outcome: exits.Outcome) -> None:
    got = failure.describe(exits.Finished(outcome))
    assert (got.kind, got.code) == ("Finished", exits.OUTCOME_CODES[outcome])


def test_an_exception_group_holding_an_interrupt_is_an_interrupt() -> None:
    group = BaseExceptionGroup("workers", [KeyboardInterrupt(), InputError("bad")])
    assert failure.describe(group).code == 130


def test_a_skylift_error_raised_while_an_interrupt_unwinds_keeps_130() -> None:
    got = failure.describe(_raised(KeyboardInterrupt(), ProviderError("lock gone", "")))
    assert (got.kind, got.code) == ("Interrupted", 130)
    assert got.warnings == ("clean-up failed after that: ProviderError: lock gone",)


def test_an_error_raised_from_none_is_deliberate() -> None:
    try:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt:
            raise InputError("replaced on purpose") from None
    except InputError as exc:
        got = failure.describe(exc)
    assert (got.kind, got.code, got.warnings) == ("InputError", 2, ())
