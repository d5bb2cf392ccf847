"""Without chromium the browser tests say how to install it: skipped on a developer's machine,
failed under CI, where a skipped browser test would prove nothing."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent


@pytest.mark.parametrize("ci, outcome, code", [("", "skipped", 0), ("true", "error", 1)])
def test_without_chromium_the_browser_tests_say_how_to_install_it(tmp_path, ci, outcome, code):
    bin_dir = tmp_path / "bin"  # a PATH with this Python and nothing else: no chromium on it
    bin_dir.mkdir()
    (bin_dir / "python").symlink_to(sys.executable)
    env = dict(os.environ, PATH=str(bin_dir), CI=ci)
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", "-rsf",
                           str(TESTS / "test_browser.py"), "-k", "first_hour"],
                          capture_output=True, text=True, cwd=TESTS.parent, env=env, timeout=300)
    summary = done.stdout.strip().splitlines()[-1]
    assert f"1 {outcome}" in summary and done.returncode == code, done.stdout[-3000:]
    assert "no chromium here: apt-get install -y --no-install-recommends chromium" in done.stdout
