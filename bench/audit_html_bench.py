"""The HTML audit report: regenerate the sample and its screenshot, and time large reports.

    .venv/bin/python bench/audit_html_bench.py [--fields 1000 20000] [--no-sample]

Writes results/audit-sample.html (the sample report of tests/audit/test_audit_html.py,
with links to a GitHub blob URL) and results/audit-screenshot.png (headless Chromium,
1400x1800). Then, for each size, a synthetic report of that many fields (40 packages, a
finding for every unannotated PII field): time to build the model, time of `render_html`,
the document's size, and the wall time of headless Chromium loading it, running the page
script (which pages long tables) and taking a screenshot. Needs /usr/bin/chromium
(`apt-get install chromium`); Chromium never reaches the network (host resolution is off).
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fields", type=int, nargs="*", default=[1000, 20000])
    parser.add_argument("--no-sample", action="store_true", help="skip results/audit-sample.*")
    args = parser.parse_args()
    if not CHROMIUM.exists():
        sys.exit("needs headless Chromium at /usr/bin/chromium (apt-get install chromium)")
    samples = load_samples()

    if not args.no_sample:
        sample = ROOT / "results" / "audit-sample.html"
        sample.write_text(render_html(samples.sample_report(), link_base=LINK_BASE), "utf-8")
        shot = ROOT / "results" / "audit-screenshot.png"
        seconds = screenshot(sample, shot)
        print(f"wrote {sample.relative_to(ROOT)} and {shot.relative_to(ROOT)} ({seconds:.1f} s)")

    print(
        f"{'fields':>8} {'findings':>8} {'model s':>8} {'render s':>8} {'MB':>6} {'chromium s':>10}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.fields:
            started = time.perf_counter()
            report = samples.large_report(n)
            built = time.perf_counter()
            document = render_html(report)
            rendered = time.perf_counter()
            page = Path(tmp) / f"audit-{n}.html"
            page.write_text(document, "utf-8")
            seconds = screenshot(page, Path(tmp) / f"audit-{n}.png")
            print(
                f"{n:>8} {len(report.findings):>8} {built - started:>8.2f} "
                f"{rendered - built:>8.2f} {len(document.encode()) / 1e6:>6.1f} {seconds:>10.1f}"
            )


if __name__ == "__main__":
    main()
