"""The audit's outputs at scale: regenerate the HTML sample and its screenshot, and time
large reports.

    .venv/bin/python bench/audit_html_bench.py [--findings 500 10000 250000] [--no-sample]

With headless Chromium (/usr/bin/chromium, `apt-get install chromium`), writes
results/audit-sample.html (the sample report of tests/audit/test_audit_html.py, with links
to a GitHub blob URL) and results/audit-screenshot.png (1400x1800). Then, for each size, a
synthetic report with that many findings (twice as many fields over 40 packages, a finding
for every unannotated PII field), and for it: the time to build the model; `render_html`
(every table capped at its default `MAX_ROWS`) time and size; the `--jsonl` and `--json`
outputs' time and size; and the wall time of headless Chromium loading the page, running
its script (which pages long tables) and taking a screenshot ("-" without Chromium, which
never reaches the network: host resolution is off). Last, the process's peak memory.
"""

from __future__ import annotations

import argparse
import importlib.util
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
LINK_BASE = "https://github.com/acme/apis/blob/9f1c2e7d4b3a59e8c0d1f2a3b4c5d6e7f8091a2b/"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND",
]

sys.path.insert(0, str(ROOT))
from compat_checker.audit.html import render_html  # noqa: E402
from compat_checker.audit.jsonl import render_jsonl  # noqa: E402


def load_samples() -> ModuleType:
    """The report builders live with the tests, so the sample shown is the sample tested."""
    path = ROOT / "tests" / "audit" / "test_audit_html.py"
    spec = importlib.util.spec_from_file_location("audit_html_samples", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def screenshot(page: Path, out: Path, size: str = "1400,1800") -> float:
    with tempfile.TemporaryDirectory() as profile:
        started = time.perf_counter()
        subprocess.run(
            [
                str(CHROMIUM),
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                f"--screenshot={out}",
                f"--window-size={size}",
                page.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=600,
        )
        return time.perf_counter() - started


def timed(render: Callable[..., str], *args: object) -> tuple[float, bytes]:
    """(seconds, UTF-8 bytes) of one output."""
    started = time.perf_counter()
    data = render(*args).encode()
    return time.perf_counter() - started, data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--findings", type=int, nargs="*", default=[500, 10_000])
    parser.add_argument("--no-sample", action="store_true", help="skip results/audit-sample.*")
    args = parser.parse_args()
    chromium = CHROMIUM.exists()
    if not chromium:
        print(f"no {CHROMIUM}: no screenshot, no browser load times (apt-get install chromium)")
    samples = load_samples()

    if chromium and not args.no_sample:
        sample = ROOT / "results" / "audit-sample.html"
        sample.write_text(render_html(samples.sample_report(), link_base=LINK_BASE), "utf-8")
        shot = ROOT / "results" / "audit-screenshot.png"
        seconds = screenshot(sample, shot)
        print(f"wrote {sample.relative_to(ROOT)} and {shot.relative_to(ROOT)} ({seconds:.1f} s)")

    print(
        f"{'findings':>8} {'fields':>8} {'model s':>8} {'html s':>7} {'html MB':>8} "
        f"{'jsonl s':>8} {'jsonl MB':>9} {'json s':>7} {'json MB':>8} {'chromium s':>10}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.findings:
            started = time.perf_counter()
            report = samples.large_report(2 * n)
            built = time.perf_counter() - started
            html_s, html = timed(render_html, report)
            jsonl_s, jsonl = timed(render_jsonl, report.findings)
            json_s, json = timed(partial(report.model_dump_json, indent=2))  # as `--json`
            browser = "-"
            if chromium:
                page = Path(tmp) / f"audit-{n}.html"
                page.write_bytes(html)
                browser = f"{screenshot(page, Path(tmp) / f'audit-{n}.png'):.1f}"
            print(
                f"{len(report.findings):>8} {len(report.inventory):>8} {built:>8.2f} "
                f"{html_s:>7.2f} {len(html) / 1e6:>8.2f} {jsonl_s:>8.2f} {len(jsonl) / 1e6:>9.1f} "
                f"{json_s:>7.2f} {len(json) / 1e6:>8.1f} {browser:>10}",
                flush=True,
            )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory {peak:.0f} MB")


if __name__ == "__main__":
    main()
