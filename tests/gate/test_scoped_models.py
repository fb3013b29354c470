"""Scoped models (compat_checker.scope) give the verdict the full models give.

Each case commits a base and a head in a real git repository, runs the real pipeline
(real buf) once scoped and once with `full_models`, and compares every finding, the
deploy decision and the PII report of the changed declarations. Unchanged filler
declarations around the change make sure something is actually left out.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from compat_checker.buf import BufRunner
from compat_checker.options import CheckOptions
from compat_checker.pipeline import run_check
from compat_checker.scope import scoped_images
from tests.gate.conftest import git

pytestmark = pytest.mark.skipif(not BufRunner().available, reason="buf binary not installed")

FILLER = "".join(
    f"message Filler{i} {{\n  string sku = 1;\n  int64 quantity = 2;\n}}\n\n" for i in range(6)
)


def _proto(body: str, *, imports: str = "") -> str:
    return (
        f'syntax = "proto3";\n\npackage acme.shop.v1;\n\n{imports}{FILLER}{textwrap.dedent(body)}'
    )


HTTP = 'import "google/api/annotations.proto";\n\n'

CASES = {
    # The service is unchanged; its route names a field of the changed request.
    "REST route names a renamed request field": (
        _proto(
            """
            message GetOrderRequest {
              string order_id = 1;
            }
            message Order {
              string order_id = 1;
            }
            service Orders {
              rpc GetOrder(GetOrderRequest) returns (Order) {
                option (google.api.http) = {get: "/v1/orders/{order_id}"};
              }
            }
            """,
            imports=HTTP,
        ),
        _proto(
            """
            message GetOrderRequest {
              string id = 1;
            }
            message Order {
              string order_id = 1;
            }
            service Orders {
              rpc GetOrder(GetOrderRequest) returns (Order) {
                option (google.api.http) = {get: "/v1/orders/{order_id}"};
              }
            }
            """,
            imports=HTTP,
        ),
    ),
    # `Client` (unchanged) makes `client_id` point at a person in this package.
    "a person-like message elsewhere in the package": (
        _proto(
            """
            message Client {
              string full_name = 1;
              string email = 2;
              string phone_number = 3;
            }
            message Matter {
              string title = 1;
            }
            """
        ),
        _proto(
            """
            message Client {
              string full_name = 1;
              string email = 2;
              string phone_number = 3;
            }
            message Matter {
              string title = 1;
              string client_id = 2;
              string ssn = 3;
            }
            """
        ),
    ),
    # The enum changes; whether anything uses it, and from a response, is read elsewhere.
    "an enum used by an unchanged response": (
        _proto(
            """
            enum Tier {
              TIER_UNSPECIFIED = 0;
              TIER_GOLD = 1;
            }
            message Account {
              Tier tier = 1;
            }
            message GetAccountRequest {
              string name = 1;
            }
            service Accounts {
              rpc GetAccount(GetAccountRequest) returns (Account);
            }
            """
        ),
        _proto(
            """
            enum Tier {
              TIER_UNSPECIFIED = 0;
              TIER_PLATINUM = 1;
            }
            message Account {
              Tier tier = 1;
            }
            message GetAccountRequest {
              string name = 1;
            }
            service Accounts {
              rpc GetAccount(GetAccountRequest) returns (Account);
            }
            """
        ),
    ),
    # Only a comment changes: an inline ignore on the message that holds the finding.
    "a comment-only change and a type change": (
        _proto(
            """
            message Payment {
              int32 amount = 1;
            }
            """
        ),
        _proto(
            """
            // protoguard:ignore FIELD_TYPE_CHANGED_WIRE reason: nobody reads it yet
            message Payment {
              int64 amount = 1;
            }
            """
        ),
    ),
    # Two unchanged health records give a thin changed message their domain.
    "a thin message in a file of health records": (
        _proto(
            """
            message Diagnosis {
              string icd_code = 1;
              string patient_id = 2;
            }
            message Prescription {
              string drug = 1;
              string patient_id = 2;
            }
            message Followup {
              string person_id = 1;
              string summary = 2;
            }
            """
        ),
        _proto(
            """
            message Diagnosis {
              string icd_code = 1;
              string patient_id = 2;
            }
            message Prescription {
              string drug = 1;
              string patient_id = 2;
            }
            message Followup {
              string person_id = 1;
              string summary = 2;
              string outcome_category = 3;
              string remarks = 4;
            }
            """
        ),
    ),
    # A changed record links by its id's initials to an unchanged health record
    # (`ptr_id` → `PatientTransferRecord`): the record it points at stays in scope.
    "an id named after an unchanged record's initials": (
        _proto(
            """
            message PatientTransferRecord {
              string ptr_id = 1;
              string patient_id = 2;
              string diagnosis = 3;
            }
            message Arrival {
              string ptr_id = 1;
            }
            """
        ),
        _proto(
            """
            message PatientTransferRecord {
              string ptr_id = 1;
              string patient_id = 2;
              string diagnosis = 3;
            }
            message Arrival {
              string ptr_id = 1;
              string bay = 2;
            }
            """
        ),
    ),
    # A message held by an unchanged holder gains personal data.
    "a field added to a message an unchanged one holds": (
        _proto(
            """
            message Profile {
              string nickname = 1;
            }
            message Patient {
              string full_name = 1;
              Profile profile = 2;
            }
            """
        ),
        _proto(
            """
            message Profile {
              string nickname = 1;
              string date_of_birth = 2;
            }
            message Patient {
              string full_name = 1;
              Profile profile = 2;
            }
            """
        ),
    ),
}


def _repo(tmp_path: Path, base: str, head: str) -> Path:
    repo = tmp_path / "repo"
    (repo / "proto/acme/shop/v1").mkdir(parents=True)
    git(tmp_path, "init", "-q", "-b", "main", str(repo))
    target = repo / "proto/acme/shop/v1/shop.proto"
    for text, message in ((base, "base"), (head, "head")):
        target.write_text(text)
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", message)
    return repo


def _verdict(repo: Path, *, full: bool):
    options = CheckOptions(
        repo=repo, against="HEAD~1", head="HEAD", llm="none", no_incidents=True, full_models=full
    )
    return run_check(options)


def _findings(verdict) -> list[str]:
    return sorted(json.dumps(c.model_dump(mode="json"), sort_keys=True) for c in verdict.changes)


def _entries(report: dict) -> dict[tuple[str, str], dict]:
    """(section, element) → entry of every field, message and RPC of a PII report."""
    return {
        (section, entry["element"]): entry
        for part in report.get("files", [report])
        for section in ("fields", "messages", "methods")
        for entry in part.get(section, [])
    }


def _declaration(element: str) -> str:
    return element.removeprefix("acme.shop.v1.").split(".", 1)[0]


@pytest.mark.parametrize("case", sorted(CASES))
def test_scoped_models_give_the_verdict_of_the_full_models(tmp_path: Path, case: str) -> None:
    base, head = CASES[case]
    repo = _repo(tmp_path, base, head)
    scoped, full = _verdict(repo, full=False), _verdict(repo, full=True)
    assert _findings(scoped) == _findings(full)
    assert scoped.can_deploy == full.can_deploy
    model = next(layer for layer in scoped.layers if layer.name == "model:head")
    assert "scoped to" in model.detail
    # Something was left out: the fillers are connected to nothing that changed.
    kept, total = (int(n) for n in model.detail.split("scoped to ")[1].split()[:3:2])
    assert kept < total
    mine = _entries(scoped.pii)
    changed = {_declaration(element) for _, element in mine}
    theirs = {key: e for key, e in _entries(full.pii).items() if _declaration(key[1]) in changed}
    assert mine == theirs
    assert not any(name.startswith("Filler") for name in changed)


def test_the_pii_layer_says_what_it_classified(tmp_path: Path) -> None:
    repo = _repo(tmp_path, *CASES["a person-like message elsewhere in the package"])
    verdict = _verdict(repo, full=False)
    pii = next(layer for layer in verdict.layers if layer.name == "pii")
    assert "fields in 1 changed declarations classified" in pii.detail
    assert {element for section, element in _entries(verdict.pii) if section == "fields"} == {
        "acme.shop.v1.Matter.title",
        "acme.shop.v1.Matter.client_id",
        "acme.shop.v1.Matter.ssn",
    }
    assert any(c.element == "acme.shop.v1.Matter.ssn" for c in verdict.changes)


def test_a_file_whose_header_changed_is_kept_whole(tmp_path: Path) -> None:
    base = _proto("message Order {\n  string id = 1;\n}\n")
    head = base.replace(
        "package acme.shop.v1;", 'package acme.shop.v1;\n\noption go_package = "x";'
    )
    repo = _repo(tmp_path, base, head)
    images = []
    for ref in ("main~1", "main"):
        git(repo, "checkout", "-q", ref)
        build = BufRunner().build(repo / "proto")
        assert build.image
        images.append(build.image)
    pair = scoped_images(images[1], images[0])
    assert pair is not None
    assert pair.scope.kept == pair.scope.total
    assert pair.scope.covers("acme/shop/v1/shop.proto", "acme.shop.v1.Filler0.sku")
