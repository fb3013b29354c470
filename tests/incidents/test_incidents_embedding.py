"""The offline hashing embedding, its Chroma registration, and collection naming."""

from __future__ import annotations

import json

import numpy as np
import pytest
from chromadb.utils.embedding_functions import known_embedding_functions

from compat_checker.config.incidents import IncidentsConfig
from compat_checker.incidents import (
    HashingEmbeddingFunction,
    VertexTextEmbeddingFunction,
    embedding_for,
)
from compat_checker.incidents.text import content_words, features, split_words


def cosine(a: str, b: str) -> float:
    ef = HashingEmbeddingFunction()
    va, vb = ef([a, b])
    return float(np.dot(va, vb))


def test_vectors_are_unit_length_with_fixed_dimension() -> None:
    ef = HashingEmbeddingFunction()
    vectors = ef(["field removed from acme.todo.v1.Task", "", "!!!"])
    for vector in vectors:
        assert len(vector) == 384
        assert float(np.linalg.norm(vector)) == pytest.approx(1.0, abs=1e-5)


def test_same_text_same_vector_in_another_process(run_python) -> None:
    text = "FIELD_REMOVED acme.todo.v1.Task.description broke the web client"
    code = (
        "import json, sys\n"
        "from compat_checker.incidents import HashingEmbeddingFunction\n"
        "print(json.dumps([float(x) for x in HashingEmbeddingFunction()([sys.argv[1]])[0]]))\n"
    )
    # A different hash seed proves the vectors do not depend on Python's salted hash().
    result = run_python(code, text, env={"PYTHONHASHSEED": "123"})
    assert result.returncode == 0, result.stderr
    here = HashingEmbeddingFunction()([text])[0]
    assert np.allclose(here, json.loads(result.stdout), atol=1e-7)


def test_rules_and_elements_weigh_more_than_wording() -> None:
    incident = (
        "New required field on Task crashed the mobile app\n"
        "rules: VALIDATION_REQUIRED_ADDED\nelements: acme.todo.v1.Task.metadata\n"
        "impact: the iOS app cached Task and crashed"
    )
    same_rule_and_element = "VALIDATION_REQUIRED_ADDED acme.todo.v1.Task.metadata"
    same_rule_sibling = "VALIDATION_REQUIRED_ADDED acme.todo.v1.Task.labels"
    unrelated = "documented default of page size changed"
    assert cosine(incident, same_rule_and_element) > cosine(incident, same_rule_sibling)
    assert cosine(incident, same_rule_sibling) > cosine(incident, unrelated) + 0.2


def test_features_understand_proto_names() -> None:
    assert split_words("CreateTaskRequest") == ["create", "task", "request"]
    assert split_words("due_time") == ["due", "time"]
    found = features("FIELD_REMOVED on acme.todo.v1.Task.due_time")
    assert "r:FIELD_REMOVED" in found
    assert "m:acme.todo.v1.Task.due_time" in found
    assert "m:acme.todo.v1.Task" in found  # the parent: a field meets its message
    assert {"w:field", "w:removed", "w:due", "w:time", "w:task"} <= set(found)
    assert "w:on" not in found  # stopword
    assert content_words("The FIELD_REMOVED broke acme.todo.v1.Task for mobile users") == {
        "broke",
        "mobile",
        "users",
    }


def test_registered_with_chroma_and_rebuilt_from_config() -> None:
    assert known_embedding_functions["protoguard_hashing"] is HashingEmbeddingFunction
    assert known_embedding_functions["protoguard_vertex"] is VertexTextEmbeddingFunction
    ef = HashingEmbeddingFunction(dimension=128)
    rebuilt = HashingEmbeddingFunction.build_from_config(ef.get_config())
    assert rebuilt.get_config() == {"version": 1, "dimension": 128}
    assert np.allclose(rebuilt(["x y"])[0], ef(["x y"])[0])
    vertex = VertexTextEmbeddingFunction(model="m", project="p", location="europe-west4")
    assert VertexTextEmbeddingFunction.build_from_config(vertex.get_config()).get_config() == {
        "model": "m",
        "project": "p",
        "location": "europe-west4",
    }


@pytest.mark.parametrize(
    "config", [{"version": 2, "dimension": 384}, {"version": 1, "dimension": 3}, {"version": 1}]
)
def test_hashing_config_is_validated(config: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        HashingEmbeddingFunction.build_from_config(config)


def test_each_embedding_has_its_own_collection() -> None:
    assert embedding_for(IncidentsConfig()).collection_name() == "incidents__hashing_v1_384"
    vertex = embedding_for(IncidentsConfig(embedding="vertex"))
    assert vertex.collection_name() == "incidents__vertex_text-embedding-005"
    odd = embedding_for(IncidentsConfig(embedding="vertex", vertex_model="publishers/x/m@1"))
    assert odd.collection_name() == "incidents__vertex_publishers-x-m-1"
