"""`tmf conformance` in the test process: `conformance.cli.main`, as `python -m conformance` calls it.

A run in a new interpreter spent about 1.5 s importing before it sent a request, once per test.
The tool's `__main__` is `sys.exit(main())`, so calling `main` with the same arguments runs the
same code: its exit code, console output and reports are what the command gives.

Runs that fuzz stay commands (`run_command`): hypothesis draws now and then constants from the
source of every module of this repository the process has loaded, so in the test process, with
every test module loaded, the same seed generated other (and far larger) bodies than the command
does, in three times the time. test_unreachable_server_and_bad_arguments_exit_2 also runs
`python -m conformance` itself.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.fixtures.reference import reference_dir

REPO_ROOT = Path(__file__).resolve().parents[2]
COMMAND_TIMEOUT_S = 300


@dataclass(frozen=True)
class Done:
    """What a run of the command gave, as `subprocess.CompletedProcess` names it."""

    returncode: int
    stdout: str
    stderr: str


@contextlib.contextmanager
def _reference_environment() -> Iterator[None]:
    """TMF_REFERENCE_DIR set to the folder the tests use, as the command's environment had it."""
    official = reference_dir()
    before = os.environ.get("TMF_REFERENCE_DIR")
    if official is not None:
        os.environ["TMF_REFERENCE_DIR"] = str(official)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("TMF_REFERENCE_DIR", None)
        else:
            os.environ["TMF_REFERENCE_DIR"] = before


def run_conformance(args: list[str]) -> Done:
    """`tmf conformance <args>`: exit code, stdout and stderr."""
    from conformance.cli import main  # here: a missing tool fails the test, not the collection

    out, err = io.StringIO(), io.StringIO()
    with _reference_environment(), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    return Done(code, out.getvalue(), err.getvalue())


def run_command(args: list[str]) -> Done:
    """`python -m conformance <args>`, in a new interpreter."""
    env = dict(os.environ)
    if (official := reference_dir()) is not None:  # so the tool validates against the official documents
        env["TMF_REFERENCE_DIR"] = str(official)
    done = subprocess.run(
        [sys.executable, "-m", "conformance", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_S,
        check=False,
    )
    return Done(done.returncode, done.stdout, done.stderr)
