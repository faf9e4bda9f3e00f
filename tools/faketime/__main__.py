"""One command under several faked machine moments (``tools/faketime/run``), one or a few at a time.

    python -m tools.faketime [--jobs N] [--logs DIR] MOMENT [MOMENT ...] -- COMMAND [ARG ...]

Each moment's run is a process of its own (the pytest run starts its own Kafka, FerretDB and SMTP server on free
ports), with its output in a log of its own: a line says when each run starts and how it ended, with its time and
the last line of its output, and every minute how far the running ones are (pytest's last ``[ NN%]``); a failed
run's whole output is printed (CI keeps nothing else). ``--jobs 2`` overloads a 2-core machine when both runs
start whole deployments at once (`make test-clock` runs one at a time there). Exits non-zero when any run
failed, after every run has ended.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

RUN = Path(__file__).with_name("run")
PROGRESS_EVERY_SECONDS = 60


def _say(message: str) -> None:
    print(f"==> {message}", flush=True)


def _last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1].strip() if lines else "(no output)"


def _progress(running: dict[str, Path], printing: threading.Lock, done: threading.Event) -> None:
    while not done.wait(PROGRESS_EVERY_SECONDS):
        shown = []
        for moment, log in list(running.items()):
            marks = re.findall(r"\[\s*(\d+%)\]", log.read_text(errors="replace")) if log.exists() else []
            shown.append(f"{moment}: {marks[-1] if marks else 'starting'}")
        if shown:
            with printing:
                _say("running: " + "; ".join(shown))


def _run(moment: str, command: list[str], log: Path, printing: threading.Lock, running: dict[str, Path]) -> bool:
    started = time.monotonic()
    with printing:
        _say(f"{moment}: started (output in {log})")
    running[moment] = log
    with log.open("w") as out:
        code = subprocess.run([str(RUN), moment, *command], stdout=out, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL, check=False).returncode
    running.pop(moment, None)
    output = log.read_text(errors="replace")
    minutes, seconds = divmod(round(time.monotonic() - started), 60)
    with printing:
        verdict = "passed" if code == 0 else f"FAILED (exit {code})"
        _say(f"{moment}: {verdict} in {minutes}:{seconds:02d} — {_last_line(output)}")
        if code != 0:
            print(output, flush=True)
    return code == 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if "--" not in argv:
        print("usage: python -m tools.faketime [--jobs N] [--logs DIR] MOMENT ... -- COMMAND ...", file=sys.stderr)
        return 2
    split = argv.index("--")
    parser = argparse.ArgumentParser(prog="python -m tools.faketime")
    parser.add_argument("--jobs", type=int, default=1, help="runs at a time (default 1)")
    parser.add_argument("--logs", type=Path, help="where each run's output goes (default: a new temporary folder)")
    parser.add_argument("moments", nargs="+", help='machine moments, e.g. "2030-06-01 10:00 +0700"')
    args = parser.parse_args(argv[:split])
    command = argv[split + 1:]
    if not command or args.jobs < 1:
        parser.error("a command after -- and --jobs of at least 1 are needed")
    logs = args.logs or Path(tempfile.mkdtemp(prefix="motcua-clock-"))
    logs.mkdir(parents=True, exist_ok=True)
    printing, running, done = threading.Lock(), {}, threading.Event()
    _say(f"{len(args.moments)} faked machine moments, {args.jobs} at a time: {' '.join(command)}")
    threading.Thread(target=_progress, args=(running, printing, done), daemon=True).start()
    try:
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            passed = list(pool.map(
                lambda numbered: _run(numbered[1], command, logs / f"{numbered[0]}.log", printing, running),
                enumerate(args.moments, start=1)))
    finally:
        done.set()
    failed = [moment for moment, ok in zip(args.moments, passed, strict=True) if not ok]
    if failed:
        print(f"failed under: {'; '.join(failed)}", file=sys.stderr)
        return 1
    _say(f"passed under every moment ({logs})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
