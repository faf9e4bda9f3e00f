"""`python -m tools.faketime` (make test-clock): one command under several faked machine moments, a few at a time,
each with its own log; a failure anywhere fails the whole, with that run's output shown."""

from __future__ import annotations

import sys

from tools.faketime.__main__ import main

# prints the year the machine shows and fails in 2027 only
COMMAND = [sys.executable, "-c", "import datetime, sys; year = datetime.datetime.now().year; print('year', year); "
           "sys.exit(year == 2027)"]


def test_every_moment_runs_and_one_failing_fails_the_whole_with_its_output(tmp_path, capsys):
    moments = ["2026-12-06 23:30 +0700", "2027-02-05 18:00 +0700", "2030-06-01 10:00 +0700"]
    assert main(["--jobs", "2", "--logs", str(tmp_path), *moments, "--", *COMMAND]) == 1
    shown = capsys.readouterr()
    assert [(tmp_path / f"{n}.log").read_text().splitlines()[-1] for n in (1, 2, 3)] == [
        "year 2026", "year 2027", "year 2030"]
    assert "2026-12-06 23:30 +0700: passed" in shown.out and "2030-06-01 10:00 +0700: passed" in shown.out
    assert "2027-02-05 18:00 +0700: FAILED (exit 1)" in shown.out
    assert "failed under: 2027-02-05 18:00 +0700" in shown.err


def test_all_passing_is_a_zero_exit(tmp_path):
    assert main(["--jobs", "1", "--logs", str(tmp_path), "2030-06-01 10:00 +0700", "--", *COMMAND]) == 0
