"""Small hand-built proto models, for tests that need exact control over the trees."""

from __future__ import annotations

from protomodel.model import (
    SCALAR_TYPES,
    EnumModel,
    EnumValueModel,
    FieldModel,
    FileModel,
    Label,
    Location,
    MessageModel,
    MethodModel,
    Presence,
    ProtoTree,
    ServiceModel,
    TypeKind,
)


def at(
    file: str, line: int = 0, column: int = 1, end_line: int = 0, end_column: int = 0
) -> Location:
    return Location(file=file, line=line, column=column, end_line=end_line, end_column=end_column)


def field(
    parent: str,
    name: str,
    number: int,
    type_: str = "string",
    *,
    label: Label = Label.OPTIONAL,
    oneof: str | None = None,
    line: int = 0,
    file: str = "a.proto",
    **extra: object,
) -> FieldModel:
    kind = TypeKind.SCALAR if type_ in SCALAR_TYPES else TypeKind.MESSAGE
    if label == Label.REPEATED:
        presence = Presence.NONE
    elif label == Label.REQUIRED:
        presence = Presence.REQUIRED
    elif kind == TypeKind.MESSAGE or oneof:
        presence = Presence.EXPLICIT
    else:
        presence = Presence.IMPLICIT
    return FieldModel(
        name=name,
        fqn=f"{parent}.{name}",
        number=number,
        type=type_,
        type_kind=extra.pop("type_kind", kind),  # type: ignore[arg-type]
        label=label,
        presence=extra.pop("presence", presence),  # type: ignore[arg-type]
        oneof=oneof,
        location=at(file, line, 3, line, 20) if line else at(file),
        **extra,  # type: ignore[arg-type]
    )


def message(
    fqn: str,
    *fields: FieldModel,
    line: int = 0,
    end_line: int = 0,
    file: str = "a.proto",
    **extra: object,
) -> MessageModel:
    return MessageModel(
        name=fqn.rsplit(".", 1)[-1],
        fqn=fqn,
        fields=list(fields),
        location=at(file, line, 1, end_line, 2) if line else at(file),
        **extra,  # type: ignore[arg-type]
    )


def enum(
    fqn: str,
    *values: tuple[str, int],
    line: int = 0,
    end_line: int = 0,
    file: str = "a.proto",
    **extra: object,
) -> EnumModel:
    return EnumModel(
        name=fqn.rsplit(".", 1)[-1],
        fqn=fqn,
        values=[
            EnumValueModel(name=name, fqn=f"{fqn}.{name}", number=number, location=at(file))
            for name, number in values
        ],
        location=at(file, line, 1, end_line, 2) if line else at(file),
        **extra,  # type: ignore[arg-type]
    )


def service(
    fqn: str, *methods: tuple[str, str, str], file: str = "a.proto", **extra: object
) -> ServiceModel:
    return ServiceModel(
        name=fqn.rsplit(".", 1)[-1],
        fqn=fqn,
        methods=[
            MethodModel(
                name=name, fqn=f"{fqn}.{name}", input_type=inp, output_type=out, location=at(file)
            )
            for name, inp, out in methods
        ],
        location=at(file),
        **extra,  # type: ignore[arg-type]
    )


def proto_file(
    path: str,
    package: str = "acme.v1",
    *,
    messages: list[MessageModel] | None = None,
    enums: list[EnumModel] | None = None,
    services: list[ServiceModel] | None = None,
    repo_path: str | None = None,
) -> FileModel:
    return FileModel(
        name=path,
        fqn=path,
        repo_path=repo_path or path,
        package=package,
        syntax="proto3",
        messages=messages or [],
        enums=enums or [],
        services=services or [],
        location=at(path, 1, 1),
    )


def tree(*files: FileModel) -> ProtoTree:
    return ProtoTree(files={f.name: f for f in files})
