"""The classifier on hand-built models: pure functions, no parser involved."""

from __future__ import annotations

from pii_detector.analysis import analyze_tree
from pii_detector.classifier import Kind, classify_field, field_type, message_context
from pii_detector.levels import PiiType, Sensitivity
from protomodel.model import (
    FieldModel,
    FileModel,
    Label,
    Location,
    MessageModel,
    ProtoTree,
    TypeKind,
)

FILE = "hand/v1/hand.proto"


def field(
    message: str, name: str, number: int, type_: str = "string", **extra: object
) -> FieldModel:
    kind = extra.pop("type_kind", TypeKind.SCALAR)
    return FieldModel(
        name=name,
        fqn=f"hand.v1.{message}.{name}",
        location=Location(file=FILE, line=number),
        number=number,
        type=type_,
        type_kind=kind,  # type: ignore[arg-type]
        **extra,  # type: ignore[arg-type]
    )


def message(name: str, *fields: FieldModel) -> MessageModel:
    return MessageModel(
        name=name, fqn=f"hand.v1.{name}", location=Location(file=FILE), fields=list(fields)
    )


def tree(*messages: MessageModel) -> ProtoTree:
    file = FileModel(
        name=FILE, fqn=FILE, location=Location(file=FILE), repo_path=FILE, package="hand.v1",
        syntax="proto3", messages=list(messages),
    )  # fmt: skip
    return ProtoTree(files={FILE: file})


def test_a_single_field_on_a_hand_built_message() -> None:
    customer = message("Customer", field("Customer", "name", 1), field("Customer", "ssn", 2))
    built = tree(customer)
    ctx = message_context(customer, "hand.v1")
    assert ctx.has(Kind.PERSON) and ctx.noun == "customer"
    verdict = classify_field(customer.fields[0], ctx, field_type(customer.fields[0], built))
    assert (verdict.level, verdict.pii_type, verdict.rule) == (
        Sensitivity.LOW,
        PiiType.NAME,
        "PERSON_NAME",
    )


def test_propagation_through_hand_built_repeated_message_fields() -> None:
    identity = message("Identity", field("Identity", "passport_number", 1))
    holder = message(
        "Holder",
        field(
            "Holder",
            "docs",
            1,
            "hand.v1.Identity",
            type_kind=TypeKind.MESSAGE,
            label=Label.REPEATED,
        ),
    )
    analysis = analyze_tree(tree(identity, holder))
    docs = analysis.field("hand.v1.Holder.docs")
    assert docs is not None
    assert (docs.sensitivity, docs.type, docs.rule) == (
        Sensitivity.HIGH,
        "repeated hand.v1.Identity",
        "MESSAGE_CONTENT",
    )
