"""The overrides file: round trip, atomic writes, validation."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pii_detector.levels import PiiType, Sensitivity
from pii_detector.overrides import OverridesError, load_overrides, record_override


def test_round_trip_and_replacement(tmp_path: Path) -> None:
    path = tmp_path / ".protoguard" / "pii-overrides.yaml"
    assert load_overrides(path) == {}
    when = datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=UTC)
    record_override(
        path,
        "a.v1.B.c",
        sensitivity=Sensitivity.LOW,
        pii_type=PiiType.NAME,
        reason="r1",
        who="x",
        now=when,
    )
    record_override(
        path,
        ".a.v1.B.d",
        sensitivity=Sensitivity.HIGH,
        pii_type=None,
        reason="r2",
        who="y",
        now=when,
    )
    record_override(
        path,
        "a.v1.B.c",
        sensitivity=Sensitivity.MEDIUM,
        pii_type=None,
        reason="r3",
        who="z",
        now=when,
    )
    loaded = load_overrides(path)
    assert sorted(loaded) == ["a.v1.B.c", "a.v1.B.d"]
    assert (loaded["a.v1.B.c"].sensitivity, loaded["a.v1.B.c"].reason, loaded["a.v1.B.c"].who) == (
        Sensitivity.MEDIUM, "r3", "z",
    )  # fmt: skip
    assert loaded["a.v1.B.d"].when == "2026-01-02T03:04:05+00:00"
    assert path.read_text().startswith("# PII classification corrections")
    assert [p.name for p in path.parent.iterdir()] == ["pii-overrides.yaml"]  # no temp files left


def test_a_failed_write_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "o.yaml"
    record_override(
        path, "a.v1.B.c", sensitivity=Sensitivity.LOW, pii_type=None, reason="r", who="w"
    )
    before = path.read_text()

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        record_override(
            path, "a.v1.B.d", sensitivity=Sensitivity.LOW, pii_type=None, reason="r", who="w"
        )
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["o.yaml"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("overrides: [", "not valid YAML"),
        ("overrides: 3\n", "expected a mapping"),
        (
            "overrides:\n  a.v1.B.c: {sensitivity: SECRET, reason: r, who: w, when: t}\n",
            "a.v1.B.c: sensitivity",
        ),
        ("overrides:\n  a.v1.B.c: {sensitivity: LOW, who: w, when: t}\n", "a.v1.B.c: reason"),
        (
            "overrides:\n  'not an fqn': {sensitivity: LOW, reason: r, who: w, when: t}\n",
            "not a fully-qualified",
        ),
        # Entries without the `overrides:` key must not be ignored silently.
        ("a.v1.B.c: {sensitivity: LOW, reason: r, who: w, when: t}\n", "expected a mapping"),
    ],
)
def test_invalid_files_raise_one_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "o.yaml"
    path.write_text(text)
    with pytest.raises(OverridesError, match=message) as error:
        load_overrides(path)
    assert "\n" not in str(error.value)


def test_who_defaults_to_git_or_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "none"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("USER", "someone")
    override = record_override(
        tmp_path / "o.yaml", "a.v1.B.c", sensitivity=Sensitivity.LOW, pii_type=None, reason="r"
    )
    assert override.who == "someone"


def test_non_utf8_file_raises_one_line(tmp_path: Path) -> None:
    path = tmp_path / "o.yaml"
    path.write_bytes(b"overrides:\n  \xff\xfe: {}\n")
    with pytest.raises(OverridesError, match="not UTF-8"):
        load_overrides(path)


def test_saved_file_follows_the_umask(tmp_path: Path) -> None:
    path = tmp_path / "o.yaml"
    record_override(
        path, "a.v1.B.c", sensitivity=Sensitivity.LOW, pii_type=None, reason="r", who="w"
    )
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask
