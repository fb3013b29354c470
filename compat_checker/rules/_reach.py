"""Which side of an RPC a changed element sits on, and what that does to a finding.

A rule that makes a server stricter hurts whoever *sends* the data: on a message reachable
from an RPC request, old clients start getting rejected (breaking); on a message that only
travels in responses, only the producers of the data notice (a warning). When no RPC in
view reaches the message at all, nobody can tell who sends it, so the stricter reading
(request side) is the safe one, and the finding says so.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from compat_checker.findings import Severity
from compat_checker.rules.registry import Hit
from protomodel.model import FieldModel, MessageModel, OneofModel

if TYPE_CHECKING:
    from compat_checker.diff import DiffContext, ElementPair

# A response-only tightening is a warning: it never blocks, and ranks below the request case.
RESPONSE_ONLY_SEVERITY = Severity.LOW


class Side(StrEnum):
    REQUEST = "request"  # reachable from at least one RPC request (maybe responses too)
    RESPONSE = "response"  # reachable from RPC responses only
    UNREACHED = "unreached"  # no RPC in view reaches it


def side_of(ctx: DiffContext, type_fqn: str) -> Side:
    if ctx.used_in_requests(type_fqn):
        return Side.REQUEST
    if ctx.used_in_responses(type_fqn):
        return Side.RESPONSE
    return Side.UNREACHED


def owning_message(pair: ElementPair) -> MessageModel | None:
    """The message holding a field or oneof (head side first), None for extensions of files."""
    for parent in (pair.parent_head, pair.parent_base):
        if isinstance(parent, MessageModel):
            return parent
    return None


def pair_side(ctx: DiffContext, pair: ElementPair) -> Side:
    """The side of the message a field/oneof pair lives in, or of a message pair itself."""
    element = pair.element
    if isinstance(element, MessageModel):
        return side_of(ctx, element.fqn)
    if isinstance(element, FieldModel) and element.extendee:
        return side_of(ctx, element.extendee)  # an extension travels in the extended message
    if isinstance(element, FieldModel | OneofModel):
        message = owning_message(pair)
        return side_of(ctx, message.fqn) if message is not None else Side.UNREACHED
    return Side.UNREACHED


def tightening_hit(
    message: str, side: Side, *, before: str | None = None, after: str | None = None
) -> Hit:
    """A hit for a change that makes the server stricter, judged by where it sits."""
    if side == Side.RESPONSE:
        return Hit(
            message=f"{message} (only in responses: old clients are not affected, but "
            "producers of this data are now rejected)",
            severity=RESPONSE_ONLY_SEVERITY,
            is_breaking=False,
            before=before,
            after=after,
        )
    if side == Side.UNREACHED:
        message = f"{message} (no RPC in view uses this message; judged as if requests carry it)"
    return Hit(message=message, before=before, after=after)
