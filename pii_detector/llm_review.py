"""The LLM second opinion: its answer schema, the prompt input, and the conservative merge.

pii_detector has no LLM dependency. The caller (the gate's LLM layer) injects
``ask(prompt_input) -> PiiLlmAnswer | None``; for the project's prompt that is::

    def ask(prompt_input: PiiReviewInput) -> PiiLlmAnswer | None:
        answer, _record = llm.ask("pii_review", 2, prompt_input.prompt_variables(), PiiLlmAnswer)
        return answer

    analysis = review_with_llm(tree, ask, overrides=overrides)

Merging never makes the result less safe: the higher level wins, every difference is
listed as a `Disagreement`, and human overrides still win over both.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from pii_detector.learned import LearnedModel
from pii_detector.levels import PiiType, Sensitivity
from pii_detector.overrides import Override
from pii_detector.records import Domain, Record, Subject
from pii_detector.results import Disagreement, FieldResult, PiiAnalysis, Source
from pii_detector.syntax import declaration
from protomodel.model import ProtoTree, iter_all_messages


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---- the answer (validated against these models) ----------------------------------------


class LlmFieldOpinion(_Model):
    element: str = Field(description="fully-qualified field name exactly as in the input")
    sensitivity: Sensitivity
    pii_type: PiiType | None = Field(default=None, description="null when no type fits")
    reasoning: str = Field(description="the policy rule applied, in one or two sentences")


class PiiLlmAnswer(_Model):
    fields: list[LlmFieldOpinion]


# ---- the prompt input -----------------------------------------------------------------


class ReviewFile(_Model):
    path: str
    package: str


class ReviewRecord(_Model):
    """What a message is about, as the rules decided it before any of its fields."""

    message: str  # FQN
    subject: Subject
    domain: Domain
    about_people: bool
    evidence: str


class ReviewField(_Model):
    element: str
    declaration: str  # the field as declared: "repeated string emails = 3;"
    message: str  # FQN of the enclosing message (its record is in `records`)
    siblings: list[str]  # names of the other fields of the message
    comments: str
    rule_sensitivity: Sensitivity
    rule_pii_type: PiiType | None
    rule_reasoning: str
    # The rules could not place the field (a record about a person): the model decides it.
    needs_review: bool
    review_reason: str | None


class ReviewCorrection(_Model):
    element: str
    sensitivity: Sensitivity
    pii_type: PiiType | None
    reason: str


class PiiReviewInput(_Model):
    file: ReviewFile
    records: list[ReviewRecord]
    fields: list[ReviewField]  # the fields that need review first
    corrections: list[ReviewCorrection]

    def prompt_variables(self) -> dict[str, Any]:
        """Variables of prompts/pii_review.v2.md (all untrusted data except the policy)."""
        return {
            "file": self.file.model_dump(mode="json"),
            "records": [r.model_dump(mode="json") for r in self.records],
            "fields": [f.model_dump(mode="json") for f in self.fields],
            "corrections": [c.model_dump(mode="json") for c in self.corrections],
        }


def build_review_input(
    analysis: PiiAnalysis,
    tree: ProtoTree,
    path: str,
    overrides: Mapping[str, Override] | None = None,
) -> PiiReviewInput:
    """The structured input for one file: each message's record, then its fields with
    their declaration and rule result, the fields the rules could not place first."""
    part = analysis.for_file(path)
    results = {f.element: f for f in part.fields}
    file = tree.files.get(path) or next(
        (f for f in tree.files.values() if path in (f.repo_path, f.name)), None
    )
    fields: list[ReviewField] = []
    if file is not None:
        for message in iter_all_messages(file):
            names = [f.name for f in message.fields]
            for field in message.fields:
                result = results.get(field.fqn)
                if result is None:
                    continue
                fields.append(
                    ReviewField(
                        element=field.fqn,
                        declaration=declaration(field),
                        message=message.fqn,
                        siblings=[n for n in names if n != field.name],
                        comments=field.comments.text,
                        rule_sensitivity=result.sensitivity,
                        rule_pii_type=result.pii_type,
                        rule_reasoning=result.reasoning,
                        needs_review=result.needs_review,
                        review_reason=result.review_reason,
                    )
                )
    # Stable: within each group the fields keep their order in the file.
    fields.sort(key=lambda f: not f.needs_review)
    described = {f.message for f in fields}
    records = [
        ReviewRecord(
            message=m.element,
            subject=m.subject,
            domain=m.domain,
            about_people=Record(m.subject, m.domain, m.record_evidence).about_people,
            evidence=m.record_evidence,
        )
        for m in part.messages
        if m.element in described
    ]
    corrections = [
        ReviewCorrection(
            element=element, sensitivity=o.sensitivity, pii_type=o.pii_type, reason=o.reason
        )
        for element, o in sorted((overrides or {}).items())
    ]
    return PiiReviewInput(
        file=ReviewFile(
            path=file.repo_path if file else path, package=file.package if file else ""
        ),
        records=records,
        fields=fields,
        corrections=corrections,
    )


# ---- the merge ------------------------------------------------------------------------


class LlmMerge(_Model):
    fields: list[FieldResult]
    disagreements: list[Disagreement]
    unknown_elements: list[str]  # opinions about elements that are not in the results


def merge_llm_opinion(rule_results: Sequence[FieldResult], llm_answer: PiiLlmAnswer) -> LlmMerge:
    """Merge one LLM answer into rule results, field by field (pure).

    The higher level wins; at equal levels the rules' type is kept unless they had none.
    Overridden fields keep the override. Every difference becomes a `Disagreement`.
    """
    opinions: dict[str, LlmFieldOpinion] = {}
    for opinion in llm_answer.fields:
        element = opinion.element.lstrip(".")
        known = opinions.get(element)
        if known is None or opinion.sensitivity.rank > known.sensitivity.rank:
            opinions[element] = opinion
    merged: list[FieldResult] = []
    disagreements: list[Disagreement] = []
    for result in rule_results:
        opinion = opinions.get(result.element)
        if opinion is None:
            merged.append(result)
            continue
        new, resolution = _merge_one(result, opinion)
        merged.append(new)
        if resolution is not None:
            disagreements.append(
                Disagreement(
                    element=result.element,
                    file=result.file,
                    line=result.line,
                    rules_sensitivity=result.sensitivity,
                    rules_pii_type=result.pii_type,
                    llm_sensitivity=opinion.sensitivity,
                    llm_pii_type=opinion.pii_type,
                    llm_reasoning=opinion.reasoning,
                    resolved_sensitivity=new.sensitivity,
                    resolved_pii_type=new.pii_type,
                    resolution=resolution,
                )
            )
    known_elements = {r.element for r in rule_results}
    unknown = sorted(e for e in opinions if e not in known_elements)
    return LlmMerge(fields=merged, disagreements=disagreements, unknown_elements=unknown)


def _merge_one(result: FieldResult, opinion: LlmFieldOpinion) -> tuple[FieldResult, str | None]:
    same_level = opinion.sensitivity == result.sensitivity
    llm_type = opinion.pii_type if opinion.sensitivity.is_pii else None
    if same_level and llm_type == result.pii_type:
        return result, None
    if result.source == Source.OVERRIDE:
        return result, "override wins"
    if opinion.sensitivity.rank > result.sensitivity.rank:
        taken = result.model_copy(
            update={
                "sensitivity": opinion.sensitivity,
                "pii_type": llm_type if llm_type is not None else result.pii_type,
                "pii_types": _with_type(result.pii_types, llm_type),
                "source": Source.LLM,
                "rule": "LLM",
                "reasoning": f"LLM: {opinion.reasoning} (rules: {result.reasoning})",
            }
        )
        return taken, "llm is higher: taken"
    if not same_level:
        return result, "rules are higher: kept"
    if result.pii_type is None:
        typed = result.model_copy(
            update={"pii_type": llm_type, "source": Source.LLM,
                    "reasoning": f"{result.reasoning}; type from LLM: {opinion.reasoning}"}
        )  # fmt: skip
        return typed, "same level, type from llm"
    return result, "same level, rules' type kept"


def _with_type(types: list[PiiType], main: PiiType | None) -> list[PiiType]:
    """The several types of a field after the LLM named its main one (first)."""
    if not types or main is None:
        return types
    return [main, *(each for each in types if each != main)]


# ---- the whole review -----------------------------------------------------------------

AskFn = Callable[[PiiReviewInput], PiiLlmAnswer | None]


def review_with_llm(
    tree: ProtoTree,
    ask: AskFn,
    *,
    files: Collection[str] | None = None,
    overrides: Mapping[str, Override] | None = None,
    concurrency: int = 1,
    learned: LearnedModel | None = None,
) -> PiiAnalysis:
    """Rules (with the learned model's second opinion when given), then one LLM call per file (up to `concurrency` in flight), then the merged
    analysis.

    A failed call (an exception or no valid answer) leaves that file's rule results as
    they are and is recorded in ``llm_errors``: the deterministic result always stands.
    Answers merge in file order however the calls finish.
    """
    from pii_detector.analysis import analyze_tree  # analysis imports this module

    rules = analyze_tree(tree, files=files, overrides=overrides, learned=learned)
    inputs = [
        (path, prompt_input)
        for path in rules.files()
        if (prompt_input := build_review_input(rules, tree, path, overrides)).fields
    ]

    def asked(item: tuple[str, Any]) -> tuple[PiiLlmAnswer | None, str | None]:
        path, prompt_input = item
        try:
            answer = ask(prompt_input)
        except Exception as error:  # the LLM is an edge: any failure leaves the rules
            return None, f"{path}: {type(error).__name__}: {error}"
        return answer, None if answer is not None else f"{path}: the LLM gave no valid answer"

    workers = max(1, min(concurrency, len(inputs)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="protoguard-pii") as pool:
        outcomes = list(pool.map(asked, inputs))
    answers = [answer for answer, _ in outcomes if answer is not None]
    errors = [error for _, error in outcomes if error is not None]
    merged = analyze_tree(
        tree, files=files, overrides=overrides, llm_answers=answers, learned=learned
    )
    return merged.model_copy(update={"llm_errors": errors})
