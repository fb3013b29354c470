"""The LLM edge against a real local server in Vertex AI's `generateContent` shape, driven
through the real google-genai client (ChatGoogleGenerativeAI with vertexai=True, pointed at
it by `llm.endpoint`) with a real service-account token exchange against the same server.

Every failure ends in bounded time with the deterministic verdict's exit code (0 here: the
change is safe), a failed layer saying why in one line, and a warning on stderr; under
--llm-required the same run exits 2."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.failures.conftest import Check, write_config
from tests.failures.servers import VertexServer, VertexState, service_account_file


@pytest.fixture
def vertex(tmp_path: Path) -> Iterator[tuple[VertexServer, dict[str, str]]]:
    with VertexServer(VertexState(hang_seconds=20)) as server:
        key = service_account_file(tmp_path, f"{server.url}/token")
        env = {"GOOGLE_CLOUD_PROJECT": "local-project", "GOOGLE_APPLICATION_CREDENTIALS": str(key)}
        yield server, env


def llm_config(server: VertexServer, **overrides: object) -> dict:
    return {
        "provider": "vertex",
        "endpoint": server.url,
        "timeout_seconds": 1.5,
        "deadline_seconds": 6,
        "max_retries": 1,
        "backoff_seconds": 0.1,
        "jitter": False,
        **overrides,
    }


def test_answers_through_the_real_client_and_token_exchange(
    repo: Path, check: Check, vertex
) -> None:
    server, env = vertex
    # Time limits far above what a loaded CI machine needs: this test is the happy path.
    write_config(repo, llm=llm_config(server, timeout_seconds=60, deadline_seconds=120))
    run = check(env=env, timeout=240)
    assert run.code == 0, run.stderr
    assert run.layer("llm").status == "ran" and run.layer("pii-llm").status == "ran"
    assert "rules + learned + LLM" in run.layer("pii").detail
    assert server.state.tokens >= 1
    assert sorted(server.state.requests) == ["compat", "compat", "pii", "pii"]
    assert not (repo / ".protoguard").exists()  # the cache lives outside the working tree


@pytest.mark.parametrize("mode", ["hang", "429", "500", "garbage"])
def test_a_failing_model_fails_open_in_bounded_time(
    repo: Path, check: Check, vertex, mode: str
) -> None:
    server, env = vertex
    server.state.modes = {"compat": mode, "pii": mode}
    write_config(repo, llm=llm_config(server))
    run = check(env=env)
    assert run.code == 0, run.stderr  # the deterministic verdict: a safe change
    # The two steps that ask the model (PII review, compatibility review) end by the run's
    # LLM deadline (6 s), not after files x attempts x timeouts; the margin is for a
    # loaded CI machine.
    assert run.node_seconds("analyze_pii", "review_with_llm") < 6 + 20
    for name in ("llm", "pii-llm"):
        layer = run.layer(name)
        assert layer.status == "failed" and not layer.required
        assert "\n" not in layer.detail and layer.detail
    assert "+ LLM" not in run.layer("pii").detail
    warnings = [line for line in run.stderr_lines if line.startswith("protoguard: warning:")]
    assert {line.split()[2] for line in warnings} == {"llm", "pii-llm"}
    if mode in ("429", "500", "garbage"):
        # transient: asked again (a malformed body too), then given up
        assert server.state.requests.count("compat") >= 2
        assert server.state.requests.count("pii") >= 2


def test_a_failed_pii_review_fails_the_run_under_llm_required(
    repo: Path, check: Check, vertex
) -> None:
    server, env = vertex
    server.state.modes = {"compat": "ok", "pii": "500"}
    write_config(repo, llm=llm_config(server, timeout_seconds=60, deadline_seconds=120))
    run = check("--llm-required", env=env)
    assert run.code == 2
    assert run.verdict.can_deploy  # the verdict is still there, and says why the run failed
    assert run.layer("llm").status == "ran"
    pii = run.layer("pii-llm")
    assert pii.status == "failed" and pii.required and "unavailable" in pii.detail
    [error] = [line for line in run.stderr_lines if "error" in line]
    assert error.startswith("protoguard: error: required layer pii-llm did not run:")


def test_a_hung_model_is_cut_by_the_run_deadline(repo: Path, check: Check, vertex) -> None:
    """Per-call timeouts alone would take files × attempts × timeout; the run's deadline
    ends every model call of the run, and the PII review asks its files concurrently."""
    server, env = vertex
    server.state.modes = {"compat": "hang", "pii": "hang"}
    write_config(repo, llm=llm_config(server, timeout_seconds=3, deadline_seconds=4, max_retries=2))
    run = check("--llm-required", env=env)
    assert run.code == 2
    assert run.node_seconds("analyze_pii", "review_with_llm") < 4 + 20
    assert "deadline" in run.layer("llm").detail
    # both PII files were asked at once, not one after the other
    assert server.state.requests[:2] == ["pii", "pii"]
    assert server.state.arrivals[1] - server.state.arrivals[0] < 3  # the first still hangs
