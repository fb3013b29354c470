"""proto/pii/v1/pii.proto: compiles with buf, numbers match the Python enums."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from pii_helpers import OPTIONS_PROTO, REPO

from pii_detector.levels import PiiType, Sensitivity


def enum_values(text: str, enum: str) -> dict[str, int]:
    body = re.search(rf"enum {enum} \{{(.*?)\n\}}", text, re.S)
    assert body is not None
    return {
        name: int(number)
        for name, number in re.findall(r"^\s+([A-Z_0-9]+) = (\d+)", body.group(1), re.M)
    }


def test_enums_match_the_policy_numbering() -> None:
    text = OPTIONS_PROTO.read_text()
    levels = enum_values(text, "SensitivityLevel")
    assert levels == {"SENSITIVITY_UNSPECIFIED": 0} | {
        level.value: level.number for level in Sensitivity
    }
    assert levels == {"SENSITIVITY_UNSPECIFIED": 0, "PUBLIC": 1, "LOW": 2, "MEDIUM": 3, "HIGH": 4}
    types = enum_values(text, "PiiType")
    assert types == {"PII_TYPE_UNSPECIFIED": 0} | {t.value: t.number for t in PiiType}
    assert types["NAME"] == 1 and types["CUSTOMER_ID"] == 25 and types["FREE_TEXT"] == 32
    assert "HIGH = 4 [debug_redact = true];" in text


def test_option_numbers_are_the_original_designs() -> None:
    text = OPTIONS_PROTO.read_text()
    for declaration in (
        "SensitivityLevel sensitivity = 70000;",
        "PiiType pii_type = 70001;",
        "repeated PiiType pii_types = 70002;",
        "SensitivityLevel method_sensitivity = 70003;",
        "bool audit_pii_access = 70004;",
        "SensitivityLevel message_sensitivity = 70005;",
    ):
        assert declaration in text


def test_it_compiles_and_lints_with_buf() -> None:
    buf = shutil.which("buf")
    assert buf is not None
    for command in ("build", "lint"):
        done = subprocess.run(
            [buf, command, str(REPO / "proto"), "--path", str(Path(REPO / "proto" / "pii"))],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr + done.stdout
