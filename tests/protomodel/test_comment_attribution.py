"""Comment attribution and normalisation, checked against buf itself."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from protomodel_support import build_image, comparable_files, model_differences, write_module

from protomodel.comments import normalize_comment
from protomodel.descriptors import tree_from_image
from protomodel.model import ProtoTree
from protomodel.parse import parse_file

# The layout of protoc's documentation (descriptor.proto, SourceCodeInfo.Location),
# with the attribution buf gives it.
PROTOC_EXAMPLE = """\
syntax = "proto2";
package acme.v1;
message M {
  optional int32 foo = 1;
  // Comment attached to bar.
  optional int32 bar = 2;

  optional string baz = 3;
  // Comment attached to baz.
  // Another line attached to baz.

  // Comment attached to moo.
  //
  // Another line attached to moo.
  optional double moo = 4;

  // Detached comment for corge. This is not leading or trailing comments
  // to moo or corge because there are blank lines separating it from
  // both.

  // Detached comment for corge paragraph 2.

  optional string corge = 5;
  /* Block comment attached
   * to corge.  Leading asterisks
   * will be removed. */
  /* Block comment attached to
   * grault. */
  optional int32 grault = 6;

  // ignored detached comments.
}
"""


def _field(model, name):
    return next(f for f in model.messages[0].fields if f.name == name)


def test_protoc_documentation_example() -> None:
    model = parse_file(PROTOC_EXAMPLE, "acme/v1/m.proto")

    assert _field(model, "bar").comments.leading == "Comment attached to bar."
    assert _field(model, "baz").comments.trailing == (
        "Comment attached to baz.\nAnother line attached to baz."
    )
    assert _field(model, "moo").comments.leading == (
        "Comment attached to moo.\n\nAnother line attached to moo."
    )
    corge = _field(model, "corge")
    assert corge.comments.detached == [
        "Detached comment for corge. This is not leading or trailing comments\n"
        "to moo or corge because there are blank lines separating it from\nboth.",
        "Detached comment for corge paragraph 2.",
    ]
    assert corge.comments.trailing == (
        "Block comment attached\nto corge.  Leading asterisks\nwill be removed."
    )
    assert _field(model, "grault").comments.leading == "Block comment attached to\ngrault."
    # After a blank line and before the closing brace, a comment belongs to nothing.
    assert _field(model, "grault").comments.trailing == ""


def test_block_messages_take_trailing_comments_after_the_open_brace() -> None:
    model = parse_file(
        'syntax = "proto3";\n// Lead.\nmessage A { // After brace.\n  int32 x = 1;\n} // dropped\n',
        "a.proto",
    )
    assert model.messages[0].comments.leading == "Lead."
    assert model.messages[0].comments.trailing == "After brace."


def test_comments_inside_a_declaration_do_not_break_parsing() -> None:
    model = parse_file(
        'syntax = "proto3"; message A { int32 /* a */ x /* b */ = /* c */ 1 /* d */; }',
        "a.proto",
    )
    assert model.messages[0].fields[0].name == "x"


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("", ""),
        (" Simple.\n", "Simple."),
        (" Two\n lines\n", "Two\nlines"),
        ("  indented code\n", " indented code"),
        ("\n Block with blank first line\n", "Block with blank first line"),
        (" trailing spaces   \n", "trailing spaces"),
        (" keeps\n\n paragraphs\n", "keeps\n\nparagraphs"),
        ("no leading space", "no leading space"),
        (" crlf\r\n lines\r\n", "crlf\nlines"),
    ],
)
def test_normalize_comment(raw: str, normalized: str) -> None:
    assert normalize_comment(raw) == normalized


_PIECES = (
    "// line {n}\n",
    "/* block {n} */",
    "/* multi {n}\n   * line\n */",
    "\n",
    "\n\n",
    " ",
    "\t",
    "//\n",
    "/**/",
    "/* blank {n}\n\n  line */",
    "/// doc {n}\n",
    "  \n",
)


def _random_layout(rng: random.Random, tag: str) -> str:
    pieces = [rng.choice(_PIECES).format(n=f"{tag}_{i}") for i in range(rng.randint(0, 5))]
    return "".join(pieces) or " "


def _random_file(seed: int, messages: int) -> str:
    rng = random.Random(seed)
    parts = ['syntax = "proto3";\npackage acme.random.v1;\n']
    for m in range(messages):
        parts.append(_random_layout(rng, f"m{m}"))
        parts.append(f"message M{m} {{")
        for f in range(rng.randint(0, 3)):
            parts.append(_random_layout(rng, f"m{m}f{f}"))
            parts.append(f"int32 {_random_layout(rng, 'in')}f{f} = {f + 1};")
        if rng.random() < 0.3:
            parts.append(
                f"{_random_layout(rng, 'e')}enum E{m} {{ E{m}_ZERO = 0;{_random_layout(rng, 'v')}}}"
            )
        parts.append(_random_layout(rng, f"m{m}end"))
        parts.append("}\n")
    parts.append(
        f"service S {{{_random_layout(rng, 's')}rpc Call(M0) returns (M0);{_random_layout(rng, 'r')}}}\n"
    )
    return "".join(parts)


@pytest.mark.parametrize("seed", [7, 2025])
def test_random_comment_layouts_are_attributed_like_buf(tmp_path: Path, seed: int) -> None:
    """Differential test: random comment layouts, parsed here and compiled by buf."""
    path = "acme/random/v1/random.proto"
    text = _random_file(seed, messages=120)
    image = build_image(write_module(tmp_path / "module", {path: text}))

    from_image = comparable_files(tree_from_image(image, reviewed={path}), [path])[path]
    parsed = comparable_files(ProtoTree(files={path: parse_file(text, path)}), [path])[path]
    differences = list(model_differences(from_image, parsed, path))
    assert not differences, "\n".join(differences[:20])
