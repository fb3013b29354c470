"""`protoguard audit --jsonl FILE`: every finding, one JSON object per line.

For reports too large to read as one document (a 3,000-file tree gave 250k findings and a
245 MB JSON report): each line stands alone, so `grep`, `jq -c`, `split` or a streaming
reader handle the file a line at a time, and the HTML report can list only the first
findings and point here for the rest.

Each line is one `Finding` of the audit report (`model.py`, the `findings` items of
`--json`) with the report's `schema_version` as its first key; lines are in the JSON
report's order, and a run without findings writes an empty file.
"""

from __future__ import annotations

from collections.abc import Iterable

from compat_checker.audit.model import AUDIT_SCHEMA_VERSION, Finding

_LINE_START = f'{{"schema_version":{AUDIT_SCHEMA_VERSION},'


def render_jsonl(findings: Iterable[Finding]) -> str:
    # Splicing the version into pydantic's own serialisation (a Finding always has fields,
    # so its JSON starts with `{"`) is several times faster than a dict round trip per line,
    # which counts at 250k findings.
    return "".join(_LINE_START + finding.model_dump_json()[1:] + "\n" for finding in findings)
