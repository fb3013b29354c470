"""Claims a comment makes about behaviour, extracted with keywords, compared across versions.

A comment is read as a handful of *claims*, each with a canonical form, so that rewording,
re-wrapping and typo fixes leave the claims unchanged while a changed promise does not:

* units the value is declared in ("in seconds", "(bytes)", "cents", "in UTC");
* ordering ("sorted by create_time", "newest first", "in the order given");
* guarantees ("always", "never", "unique", "only when", "idempotent", "immutable"…),
  counted, and negated when "not" / "no longer" precedes them;
* nullability ("may be empty", "can be unset", "optional", "empty when …");
* limits: numbers with a bound ("at most 100 tasks", "1 to 200 characters"), a default
  ("defaults to 50") or a unit ("24 hours before"), normalised to one unit per dimension
  so that "1 day" equals "24 hours".

`compare_claims` reports what a reader of the old comment relied on and can no longer
rely on. Additions that remove nothing never count. Everything is deterministic and pure;
the LLM review refines these findings, it does not produce them.
"""

from __future__ import annotations

import difflib
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

# ---------------------------------------------------------------------------------------
# Vocabulary

# (canonical unit, dimension, factor to the dimension's base unit or None, spellings)
_UNIT_TABLE: tuple[tuple[str, str, float | None, tuple[str, ...]], ...] = (
    ("nanoseconds", "time", 1e-9, ("nanoseconds", "nanosecond", "nanos", "ns")),
    ("microseconds", "time", 1e-6, ("microseconds", "microsecond", "µs")),
    ("milliseconds", "time", 1e-3, ("milliseconds", "millisecond", "millis", "msec", "ms")),
    ("seconds", "time", 1.0, ("seconds", "second", "secs", "sec")),
    ("minutes", "time", 60.0, ("minutes", "minute", "mins")),
    ("hours", "time", 3600.0, ("hours", "hour", "hrs")),
    ("days", "time", 86400.0, ("days", "day")),
    ("weeks", "time", 604800.0, ("weeks", "week")),
    ("cents", "money", 0.01, ("cents", "cent")),
    ("dollars", "money", 1.0, ("dollars", "dollar", "usd")),
    ("euros", "money", None, ("euros", "euro", "eur")),
    ("pounds sterling", "money", None, ("gbp",)),
    ("yen", "money", None, ("yen", "jpy")),
    ("bits", "size", 0.125, ("bits", "bit")),
    ("bytes", "size", 1.0, ("bytes", "byte")),
    ("kilobytes", "size", 1024.0, ("kilobytes", "kilobyte", "kib", "kb")),
    ("megabytes", "size", 1024.0**2, ("megabytes", "megabyte", "mib", "mb")),
    ("gigabytes", "size", 1024.0**3, ("gigabytes", "gigabyte", "gib", "gb")),
    ("characters", "size", None, ("characters", "character", "chars", "code points", "runes")),
    ("millimeters", "distance", 0.001, ("millimeters", "millimetres", "mm")),
    ("centimeters", "distance", 0.01, ("centimeters", "centimetres", "cm")),
    ("meters", "distance", 1.0, ("meters", "metres", "meter", "metre")),
    ("kilometers", "distance", 1000.0, ("kilometers", "kilometres", "km")),
    ("miles", "distance", 1609.344, ("miles", "mile")),
    ("feet", "distance", 0.3048, ("feet", "foot", "ft")),
    ("percent", "ratio", 0.01, ("percentage", "percent", "%")),
    ("basis points", "ratio", 0.0001, ("basis points", "bps")),
    ("fraction", "ratio", 1.0, ("fraction", "ratio")),
    ("celsius", "temperature", None, ("celsius",)),
    ("fahrenheit", "temperature", None, ("fahrenheit",)),
    ("kelvin", "temperature", None, ("kelvin",)),
    ("degrees", "angle", None, ("degrees",)),
    ("radians", "angle", None, ("radians",)),
    ("grams", "weight", 1.0, ("grams", "gram")),
    ("kilograms", "weight", 1000.0, ("kilograms", "kilogram", "kg")),
    ("utc", "time zone", None, ("utc", "gmt")),
    ("local time", "time zone", None, ("local time", "local time zone")),
)


@dataclass(frozen=True)
class _Unit:
    name: str
    dimension: str
    factor: float | None


_UNITS: dict[str, _Unit] = {
    spelling: _Unit(name, dimension, factor)
    for name, dimension, factor, spellings in _UNIT_TABLE
    for spelling in spellings
}
_UNIT_RE = "|".join(sorted((re.escape(s) for s in _UNITS), key=len, reverse=True))
_UNIT_END = r"(?![\w%])"

_NUMBER_WORDS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "twenty": 20,
    "thirty": 30,
    "fifty": 50,
    "hundred": 100,
    "thousand": 1000,
    "million": 1_000_000,
}
_NUMBER = r"(?:\d[\d,]*(?:\.\d+)?|" + "|".join(_NUMBER_WORDS) + r")"

# Declarations of the unit a value is in (not quantities: "24 hours" is a limit).
_UNIT_DECLARATIONS = (
    re.compile(
        r"\b(?:in|as|measured in|expressed in|given in|specified in|in units of|units? (?:is|are)|"
        r"number of|count of|amount of)\s+(?:a |an |the |whole |fractional )?"
        rf"(?P<unit>{_UNIT_RE}){_UNIT_END}"
    ),
    re.compile(rf"\b(?P<unit>{_UNIT_RE})\s+since\s+(?:the\s+)?(?:unix\s+)?epoch"),
    re.compile(rf"\(\s*(?P<unit>{_UNIT_RE})\s*\)"),
)

_ORDER_KEY = re.compile(
    r"\b(?:sorted|ordered|order|ranked|arranged)\s+(?:first\s+)?by\s+(?:the\s+)?(?P<key>[a-z_]\w*(?:\.[a-z_]\w*)*)"
)
_TIE_BREAK = re.compile(
    r"\bties?\s+(?:are\s+)?broken\s+by\s+(?:the\s+)?(?P<key>[a-z_]\w*(?:\.[a-z_]\w*)*)"
)
_ORDER_WORDS: tuple[tuple[str, str], ...] = (
    (r"reverse chronological(?: order)?", "newest first"),
    (r"(?:newest|latest|most recent|most recently \w+) first", "newest first"),
    (r"(?:oldest|earliest|least recent) first", "oldest first"),
    (r"chronological(?: order)?", "oldest first"),
    (r"(?:best|most relevant|highest relevance) first", "best first"),
    (r"(?:highest|largest|biggest) first", "highest first"),
    (r"(?:lowest|smallest) first", "lowest first"),
    (r"ascending|increasing order|asc\b", "ascending"),
    (r"descending|decreasing order|desc\b", "descending"),
    (r"alphabetical(?:ly)?|lexicographic(?:al)?(?:ly)?", "alphabetical"),
    (
        r"(?:in|keeps?|kept in) the order (?:given|received|added|inserted|of insertion|sent)",
        "order given",
    ),
    (
        r"no particular order|any order|arbitrary order|unordered|unsorted|random order|"
        r"order is not guaranteed|not sorted",
        "unordered",
    ),
)

# Canonical guarantee -> spellings. Longer, more specific phrases are matched first and
# consume their text, so "never changes" is `immutable`, not also `never`.
_GUARANTEE_TABLE: tuple[tuple[str, str], ...] = (
    (
        "immutable",
        r"never changes?|does not change|doesn't change|do not change|cannot (?:be )?changed?|"
        r"can't (?:be )?changed?|won't change|will not change|immutable|read-only|read only|"
        r"never modified|cannot be modified",
    ),
    (
        "always set",
        r"never (?:empty|null|unset|blank|missing)|always (?:set|present|populated|non-empty)|"
        r"non-empty|nonempty|not empty",
    ),
    ("never reused", r"never (?:reused|recycled|reassigned)|not reused"),
    ("exactly once", r"exactly once"),
    ("at least once", r"at least once"),
    ("at most once", r"at most once"),
    (
        "unique",
        r"unique(?:ly)?|distinct|no duplicates|duplicates (?:are )?removed|de-?duplicated",
    ),
    (
        "only when",
        r"only (?:[a-z]+ )?(?:when|if|while|after|before|once|for)|solely when|"
        # "never skipped unless X" is "only skipped if X"
        r"never (?:[a-z]+ ){0,3}unless",
    ),
    ("idempotent", r"idempoten(?:t|cy|tly)"),
    ("atomic", r"atomic(?:ally)?|all-or-nothing|all or nothing|transactional(?:ly)?"),
    ("consistent", r"strongly consistent|read-after-write|consistent(?:ly)?"),
    ("stable", r"stable|never reordered"),
    ("trimmed", r"trimmed|whitespace is (?:removed|stripped)"),
    ("lowercase", r"lower-?cased?"),
    ("uppercase", r"upper-?cased?"),
    ("case-insensitive", r"case-?insensitive(?:ly)?"),
    ("case-sensitive", r"case-?sensitive"),
    ("guaranteed", r"guarantee[sd]?"),
    # RFC 2119 modals: "must always be X" and "MUST be X" are the same obligation.
    ("must not", r"must not|mustn't|shall not"),
    ("must", r"(?:must|shall)(?: always)?|(?:is|are) required to"),
    ("always", r"always"),
    ("never", r"never"),
)
_GUARANTEES = tuple(
    (name, re.compile(rf"(?<![/_-])\b(?:{pattern})\b(?![/_-]\w)"))
    for name, pattern in _GUARANTEE_TABLE
)
_NEGATION = re.compile(r"(?:\bnot|\bno longer|n't|\bnor)\s+(?:(?:be|been|always|necessarily)\s+)?$")

_NULL_STATES = {
    "empty": "empty",
    "blank": "empty",
    "null": "null",
    "nil": "null",
    "none": "null",
    "unset": "unset",
    "not set": "unset",
    "missing": "unset",
    "absent": "unset",
    "omitted": "unset",
    "left unset": "unset",
    "left empty": "empty",
    "zero": "zero",
    "0": "zero",
}
_NULL_STATE_RE = "|".join(sorted((re.escape(s) for s in _NULL_STATES), key=len, reverse=True))
_NULLABILITY = (
    re.compile(rf"\b(?:may|might|can|could)\s+(?:also\s+)?(?:be\s+)?(?P<state>{_NULL_STATE_RE})\b"),
    re.compile(
        rf"(?:^|[\s(])(?P<state>{_NULL_STATE_RE})\s+(?:for|when|if|while|unless|means|"
        r"until|on)\b"
    ),
    re.compile(r"\b(?P<state>optional|nullable)\b"),
)

_BOUNDED = (
    (
        "max",
        r"at most|up to|no more than|not more than|maximum(?: of| is)?|max(?:imum)?\.?(?: of)?|"
        r"no longer than|not exceed(?:ing)?|cannot exceed|limited to|capped at|"
        r"less than or equal to|fewer than|less than",
    ),
    (
        "min",
        r"at least|no fewer than|no less than|minimum(?: of| is)?|min(?:imum)?\.?(?: of)?|"
        r"greater than or equal to|more than(?! one\b)|greater than",
    ),
)
_SUBJECT = r"(?:\s+(?P<subject>[a-z%][\w%-]*(?:\s+points)?))?"
_LIMITS = tuple(
    (kind, re.compile(rf"\b(?:{words})\s+(?P<number>{_NUMBER}){_SUBJECT}"))
    for kind, words in _BOUNDED
)
_RANGE = re.compile(
    rf"\b(?:between\s+(?P<low>{_NUMBER})\s+and\s+(?P<high>{_NUMBER})|"
    rf"(?:from\s+)?(?P<low2>{_NUMBER})\s*(?:to|–)\s*(?P<high2>{_NUMBER})){_SUBJECT}"
)
_DEFAULT = re.compile(
    r"\b(?:defaults?\s+(?:to|is)|default(?:\s+value)?\s+(?:of|is)|(?:unset|empty)\s+means)\s+"
    rf"(?:the\s+default\s+of\s+)?(?P<value>{_NUMBER}|[a-z][a-z0-9]*_\w*(?:\.\w+)*)"
)
_AMOUNT = re.compile(rf"(?<![\w.])(?P<number>{_NUMBER})\s*-?\s*(?P<unit>{_UNIT_RE}){_UNIT_END}")
_NOT_SUBJECTS = frozenset(
    {"and", "or", "the", "a", "an", "of", "per", "in", "to", "for", "is", "are", "be", "if"}
)


# ---------------------------------------------------------------------------------------
# Claims


@dataclass(frozen=True)
class Limit:
    kind: str  # max | min | default | amount
    number: float | str  # a number, or the identifier a default names
    subject: str  # the unit's canonical name or the counted noun ("task"); "" when none
    unit: _Unit | None  # when the subject is a known unit
    text: str  # as found, for messages

    def matches(self, other: Limit) -> bool:
        """A bound of the same kind on the same thing (a misspelt noun still matches)."""
        if self.kind != other.kind:
            return False
        if self.unit is not None and other.unit is not None:
            return self.unit.dimension == other.unit.dimension
        if not self.subject or not other.subject:
            return True
        return difflib.SequenceMatcher(None, self.subject, other.subject).ratio() >= 0.8

    def same_value(self, other: Limit) -> bool:
        """Equal amounts: "1 day" is "24 hours"; a misspelt unit compares by number."""
        mine, theirs = self.unit, other.unit
        if mine is None or theirs is None:
            return self.number == other.number
        convertible = mine.factor is not None and theirs.factor is not None
        if convertible and isinstance(self.number, float) and isinstance(other.number, float):
            return math.isclose(self.number * mine.factor, other.number * theirs.factor)
        return (self.number, mine.name) == (other.number, theirs.name)


@dataclass(frozen=True)
class Claims:
    units: dict[str, frozenset[str]] = field(default_factory=dict)  # dimension -> units
    ordering: frozenset[str] = frozenset()
    guarantees: Counter[str] = field(default_factory=Counter)
    nullability: frozenset[str] = frozenset()
    limits: tuple[Limit, ...] = ()


def normalize(text: str) -> str:
    """Lowercase, one space between words, no code quotes, no protoguard directives."""
    kept = [line for line in text.splitlines() if "protoguard:ignore" not in line]
    joined = " ".join(kept).replace("`", "").replace("*", "")
    return " ".join(joined.lower().split())


_FENCE = re.compile(r"```.*?(?:```|$)", re.DOTALL)
_MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_URL = re.compile(r"\b(?:https?|ftp)://\S+")
# An indented example line: code, not prose ("  string parent = 1 [...];", "  }").
_CODE_LINE = re.compile(r"^\s{2,}\S.*(?:[{};=]|\w+:\s*\S)")
_SENTENCE_END = re.compile(
    r"(?<=[.!?])(?<!\b\d\.)(?<!e\.g\.)(?<!i\.e\.)\s+(?=[A-Z`\"(])|\n\s*\n|\n\s*(?=[-*] |\d+\. )"
)
# Sentences about how the repository is run (who approves a change, who owns it), not
# about what the API promises its clients.
_GOVERNANCE = re.compile(
    r"\b(?:approv\w*|owners?|codeowners|maintainers?|reviewers?|pull requests?|"
    r"code reviews?|committee|governance|contributors?|sign(?:ed)?[- ]off|cla)\b",
    re.IGNORECASE,
)


def sentences(text: str) -> list[str]:
    """The comment's sentences (and list items, and paragraphs), stripped."""
    return [part.strip() for part in _SENTENCE_END.split(text) if part and part.strip()]


def contract_text(text: str) -> str:
    """What a comment says about the API contract: code blocks, indented examples, links
    and sentences about the repository's governance are left out."""
    text = _FENCE.sub(" ", text)
    text = _MARKDOWN_LINK.sub(r"\1", text)
    text = _URL.sub(" ", text)
    lines = [line for line in text.splitlines() if not _CODE_LINE.match(line)]
    kept = [part for part in sentences("\n".join(lines)) if not _GOVERNANCE.search(part)]
    return "\n".join(kept)


@lru_cache(maxsize=4096)
def extract_claims(text: str) -> Claims:
    normalized = normalize(contract_text(text))
    limits, spans = _limits(normalized)
    return Claims(
        units=_units(normalized),
        ordering=_ordering(normalized),
        guarantees=_guarantees(_blank(normalized, spans)),
        nullability=frozenset(
            _NULL_STATES.get(m.group("state"), m.group("state"))
            for pattern in _NULLABILITY
            for m in pattern.finditer(normalized)
        ),
        limits=limits,
    )


def _units(text: str) -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = {}
    for pattern in _UNIT_DECLARATIONS:
        for match in pattern.finditer(text):
            unit = _UNITS[match.group("unit")]
            found.setdefault(unit.dimension, set()).add(unit.name)
    return {dimension: frozenset(units) for dimension, units in found.items()}


def _ordering(text: str) -> frozenset[str]:
    found = {f"by {m.group('key')}" for m in _ORDER_KEY.finditer(text)}
    found |= {f"then by {m.group('key')}" for m in _TIE_BREAK.finditer(text)}
    for pattern, canonical in _ORDER_WORDS:
        if re.search(rf"\b(?:{pattern})", text):
            found.add(canonical)
    return frozenset(found)


def _guarantees(text: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    remaining = text
    for name, pattern in _GUARANTEES:
        for match in pattern.finditer(remaining):
            negated = _NEGATION.search(remaining[: match.start()]) is not None
            counts[f"not {name}" if negated else name] += 1
        remaining = pattern.sub(lambda m: " " * len(m.group(0)), remaining)
    return counts


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    """The text with the given spans blanked out (limits are not also guarantees)."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def _limits(text: str) -> tuple[tuple[Limit, ...], list[tuple[int, int]]]:
    found: list[Limit] = []
    spans: list[tuple[int, int]] = []
    for match in _RANGE.finditer(text):
        low = match.group("low") or match.group("low2")
        high = match.group("high") or match.group("high2")
        subject = match.group("subject")
        found.append(_limit("min", low, subject, match.group(0)))
        found.append(_limit("max", high, subject, match.group(0)))
        spans.append(match.span())
    for kind, pattern in _LIMITS:
        for match in pattern.finditer(text):
            if not _inside(match.span(), spans):
                found.append(
                    _limit(kind, match.group("number"), match.group("subject"), match.group(0))
                )
                spans.append(match.span())
    for match in _DEFAULT.finditer(text):
        value = match.group("value")
        number = _parse_number(value)
        found.append(
            Limit("default", value if number is None else number, "", None, match.group(0))
        )
        spans.append(match.span())
    for match in _AMOUNT.finditer(text):
        if not _inside(match.span(), spans):
            found.append(
                _limit("amount", match.group("number"), match.group("unit"), match.group(0))
            )
    return tuple(found), spans


def _inside(span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    return any(start <= span[0] and span[1] <= end for start, end in spans)


def _limit(kind: str, number_text: str, subject: str | None, text: str) -> Limit:
    number = _parse_number(number_text)
    word = (subject or "").strip()
    if word in _NOT_SUBJECTS:
        word = ""
    unit = _UNITS.get(word)
    return Limit(
        kind=kind,
        number=number if number is not None else number_text,
        subject=unit.name if unit is not None else _singular(word),
        unit=unit,
        text=text,
    )


def _parse_number(text: str) -> float | None:
    if text in _NUMBER_WORDS:
        return float(_NUMBER_WORDS[text])
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


# ---------------------------------------------------------------------------------------
# Comparing


@dataclass(frozen=True)
class ClaimChanges:
    """What a reader of the old comment relied on and the new comment no longer says."""

    units: tuple[str, ...] = ()
    guarantees_removed: tuple[str, ...] = ()
    ordering: tuple[str, ...] = ()
    nullability: tuple[str, ...] = ()
    limits: tuple[str, ...] = ()


@lru_cache(maxsize=4096)
def compare_claims(before_text: str, after_text: str, moved_to: str = "") -> ClaimChanges:
    """What the old comment said that the new one no longer says.

    `moved_to` is text the same change added elsewhere (the enclosing message's or the
    file's comment, another element of the file): a guarantee stated there again moved,
    it was not removed.
    """
    if normalize(before_text) == normalize(after_text):
        return ClaimChanges()  # reformatting, re-wrapping
    before, after = extract_claims(before_text), extract_claims(after_text)
    elsewhere = extract_claims(moved_to) if moved_to else Claims()
    limit_changes, bounds_removed = _limit_changes(before.limits, after.limits, elsewhere.limits)
    return ClaimChanges(
        units=_unit_changes(before.units, after.units),
        guarantees_removed=_guarantees_removed(
            before.guarantees, after.guarantees + elsewhere.guarantees
        )
        + bounds_removed,
        ordering=_ordering_changes(before.ordering, after.ordering),
        nullability=_nullability_changes(before.nullability, after.nullability),
        limits=limit_changes,
    )


def _unit_changes(
    before: dict[str, frozenset[str]], after: dict[str, frozenset[str]]
) -> tuple[str, ...]:
    changes = []
    for dimension in sorted(before.keys() & after.keys()):
        old, new = before[dimension], after[dimension]
        if old - new and new - old:
            changes.append(f"{', '.join(sorted(old - new))} → {', '.join(sorted(new - old))}")
    return tuple(changes)


def _guarantees_removed(before: Counter[str], after: Counter[str]) -> tuple[str, ...]:
    return tuple(
        f'"{name}"'
        + (f" (negated: not {name})" if after[f"not {name}"] > before[f"not {name}"] else "")
        for name in sorted(before)
        if not name.startswith("not ") and after[name] < before[name]
    )


def _ordering_changes(before: frozenset[str], after: frozenset[str]) -> tuple[str, ...]:
    gone = before - after
    if not gone:
        return ()  # nothing the old comment promised is missing
    added = after - before
    return (f"{', '.join(sorted(gone))} → {', '.join(sorted(added)) or 'not stated'}",)


def _nullability_changes(before: frozenset[str], after: frozenset[str]) -> tuple[str, ...]:
    added, gone = after - before, before - after
    changes = [f"may now be {state}" for state in sorted(added)]
    changes += [f"no longer says it may be {state}" for state in sorted(gone)]
    return tuple(changes)


def _limit_changes(
    before: tuple[Limit, ...], after: tuple[Limit, ...], elsewhere: tuple[Limit, ...] = ()
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(changed or dropped values, dropped bounds). A bound that vanished is a removed
    guarantee; a value that changed, or a default / amount that vanished, is a change.
    A bound whose number is still stated ("up to 60s" → "60 seconds"), or that is
    stated again elsewhere, was restated, not dropped."""
    changed: list[str] = []
    bounds_removed: list[str] = []
    for old in before:
        candidates = [new for new in after if new.matches(old)]
        if any(new.same_value(old) for new in candidates):
            continue
        if candidates:
            changed.append(f'"{old.text}" → "{candidates[0].text}"')
        elif old.kind in ("max", "min"):
            restated = any(new.number == old.number for new in (*after, *elsewhere))
            if not restated:
                bounds_removed.append(f'"{old.text}"')
        else:
            changed.append(f'"{old.text}" → not stated')
    return tuple(dict.fromkeys(changed)), tuple(dict.fromkeys(bounds_removed))
