"""The benchmarks keep working: each runs at a tiny scale (its figures are not looked at)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_analytics_benchmark_runs_and_both_rankings_agree(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "analytics.py"),
            "--participants=400",
            "--referrals=250",
            "--repeat=1",
            f"--database-url=sqlite:///{tmp_path / 'bench.sqlite3'}",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "whole dashboard:" in result.stdout and "same answer: True" in result.stdout
    assert "deepest cascade 15 generations" in result.stdout


def test_the_reach_benchmark_runs(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "reach.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "speed ratio" in result.stdout and "spread ratio" in result.stdout
