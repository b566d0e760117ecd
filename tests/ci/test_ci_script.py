"""`.ci/run` fails only when the tests fail.

The script runs in a copy of the repository's `.ci/` folder with stand-ins on PATH for
the build tools (`java`, `mvn`, … printing far more than a pipe buffer) and for `make`
(which stands for the test command and exits with the code the test chooses).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOUD_TOOLS = ("python3", "java", "mvn", "node", "npm")


def _stand_in(bin_dir: Path, name: str, body: str) -> None:
    path = bin_dir / name
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)


def _run_ci(tmp_path: Path, *, make_exit: int) -> subprocess.CompletedProcess[str]:
    shutil.copytree(ROOT / ".ci", tmp_path / "repo" / ".ci")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in LOUD_TOOLS:
        # 200,000 lines: a reader that stops after one line closes the pipe early.
        _stand_in(bin_dir, tool, f"yes '{tool} 1.0 and more' | head -n 200000; exit 0")
    _stand_in(bin_dir, "make", f'echo "make $*"; exit {make_exit}')
    env = {**os.environ, "PATH": f"{bin_dir}:/usr/bin:/bin", "CI": "true"}
    return subprocess.run(
        ["bash", str(tmp_path / "repo" / ".ci" / "run")],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("attempt", range(5))
def test_ci_run_passes_when_the_tests_pass_however_loud_the_tools(
    tmp_path: Path, attempt: int
) -> None:
    """Printing tool versions can never fail the run (it once died of SIGPIPE)."""
    result = _run_ci(tmp_path, make_exit=0)
    assert 0 == result.returncode, result.stdout + result.stderr
    assert "make test" in result.stdout
    assert "mvn: mvn 1.0 and more" in result.stdout


def test_ci_run_fails_when_the_tests_fail(tmp_path: Path) -> None:
    result = _run_ci(tmp_path, make_exit=2)
    assert 0 != result.returncode
