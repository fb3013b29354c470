"""Doubt on records about people is reported, not placed low (issue 14, policy v2).

Each test is an own-written fixture of a shape that made the rules place a field
confidently below HIGH on a sensitive record: a container of a record whose fields need
review, a membership record of a church, a party or a union, a sensitive record a person's
record holds, a record named after a person in an API whose services are `…Service`s, a
file whose records share one sensitive domain, a category whose words usually name the
record's handling, a calendar date of a sensitive fact, free text on a sensitive record,
and a property word after a HIGH fact. Each also pins what must stay quiet.
"""

from __future__ import annotations

from pii_helpers import analyze, result, tree_of

from pii_detector.analysis import analyze_tree
from pii_detector.levels import Sensitivity
from pii_detector.records import Domain
from pii_detector.results import FieldResult, PiiAnalysis


def _domain(analysis: PiiAnalysis, message: str, package: str = "acme.test.v1") -> Domain:
    return next(m.domain for m in analysis.messages if m.element == f"{package}.{message}")


def _in(package: str, body: str) -> PiiAnalysis:
    """`body` as the file of `package` (`acme/<name>/v1/<name>.proto`): its record's domain."""
    name = package.split(".")[1]
    header = f'syntax = "proto3";\n\npackage {package};\n\n'
    return analyze_tree(tree_of(body, path=f"acme/{name}/v1/{name}.proto", header=header))


def _of(analysis: PiiAnalysis, element: str) -> FieldResult:
    found = analysis.field(element)
    assert found is not None, element
    return found


def test_a_container_of_a_sensitive_record_with_a_field_to_review_is_flagged_too() -> None:
    analysis = _in(
        "acme.probation.v1",
        """
        // An offender on probation.
        message Probationer {
          string probationer_id = 1;
          string email = 2;
          string phone_number = 4;
          bool curfew_breached = 3;
        }
        message ListProbationersResponse { repeated Probationer probationers = 1; }
        """,
    )
    breached = _of(analysis, "acme.probation.v1.Probationer.curfew_breached")
    assert breached.needs_review
    held = _of(analysis, "acme.probation.v1.ListProbationersResponse.probationers")
    assert held.sensitivity == Sensitivity.MEDIUM  # certain content: the e-mail
    assert held.needs_review
    assert "may hold HIGH data" in (held.review_reason or "")
    assert "Probationer.curfew_breached" in (held.review_reason or "")


def test_a_doubt_outside_sensitive_domains_does_not_flag_every_container() -> None:
    analysis = analyze(
        """
        message Customer {
          string customer_id = 1;
          string email = 2;
          bool prefers_quiet_room = 3;
        }
        message ListCustomersResponse { repeated Customer customers = 1; }
        """
    )
    assert result(analysis, "Customer.prefers_quiet_room").needs_review
    assert not result(analysis, "ListCustomersResponse.customers").needs_review


def test_belonging_to_a_church_a_party_or_a_union_is_a_sensitive_domain() -> None:
    analysis = _in(
        "acme.parish.v1",
        """
        // A member of the congregation.
        message Congregant {
          string congregant_id = 1;
          string full_name = 2;
          string email = 5;
          string phone_number = 6;
          bool confirmation_completed = 3;
          CommunionKind communion = 4;
          enum CommunionKind { COMMUNION_KIND_UNSPECIFIED = 0; HOME = 1; CHURCH = 2; }
        }
        """,
    )
    assert _domain(analysis, "Congregant", "acme.parish.v1") == Domain.BELIEFS
    for field in ("confirmation_completed", "communion"):
        found = _of(analysis, f"acme.parish.v1.Congregant.{field}")
        assert found.needs_review, field
        assert "beliefs" in (found.review_reason or ""), field


def test_a_sensitive_record_a_person_holds_is_that_persons() -> None:
    analysis = analyze(
        """
        message Deckhand {
          string deckhand_id = 1;
          string full_name = 2;
          string email = 4;
          string phone_number = 5;
          MedicalExam medical = 3;
        }
        // The medical fitness examination.
        message MedicalExam {
          bool fit_for_watchkeeping = 1;
          string restrictions = 2;
        }
        """
    )
    for field in ("fit_for_watchkeeping", "restrictions"):
        found = result(analysis, f"MedicalExam.{field}")
        assert found.sensitivity == Sensitivity.HIGH or found.needs_review, field
    assert result(analysis, "Deckhand.medical").needs_review or (
        result(analysis, "Deckhand.medical").sensitivity == Sensitivity.HIGH
    )


def test_a_service_suffix_and_a_person_named_record_are_not_infrastructure() -> None:
    analysis = analyze(
        """
        message ServiceUser {
          string service_user_id = 1;
          string given_name = 2;
          string referral_reason = 3;
        }
        message GetServiceUserRequest { string service_user_id = 1; }
        service OutreachService {
          rpc GetServiceUser(GetServiceUserRequest) returns (ServiceUser);
        }
        """
    )
    assert _domain(analysis, "ServiceUser") not in (Domain.INFRASTRUCTURE, Domain.TELEMETRY)
    assert result(analysis, "ServiceUser.referral_reason").needs_review


def test_a_record_with_too_little_evidence_takes_its_files_sensitive_domain() -> None:
    analysis = analyze(
        """
        message Patient { string patient_id = 1; string full_name = 2; string diagnosis = 3; }
        message Prescription { string patient_id = 1; string medication = 2; }
        message Session {
          string session_id = 1;
          string patient_id = 2;
          int32 urge_score = 3;
        }
        """
    )
    assert _domain(analysis, "Session") == Domain.HEALTH
    found = result(analysis, "Session.urge_score")
    assert found.sensitivity == Sensitivity.HIGH or found.needs_review


def test_level_and_kind_are_facts_on_a_sensitive_record_but_status_is_not() -> None:
    analysis = _in(
        "acme.prison.v1",
        """
        // An inmate of the prison.
        message Inmate {
          string inmate_id = 1;
          string full_name = 2;
          string email = 5;
          string phone_number = 6;
          SecurityLevel security_level = 3;
          Status status = 4;
          enum SecurityLevel { SECURITY_LEVEL_UNSPECIFIED = 0; MINIMUM = 1; MAXIMUM = 2; }
          enum Status { STATUS_UNSPECIFIED = 0; ACTIVE = 1; RELEASED = 2; }
        }
        """,
    )
    level = _of(analysis, "acme.prison.v1.Inmate.security_level")
    assert level.needs_review
    assert "criminal_justice" in (level.review_reason or "")
    assert not _of(analysis, "acme.prison.v1.Inmate.status").needs_review


def test_a_calendar_date_on_a_sensitive_record_is_flagged_a_logged_time_is_not() -> None:
    analysis = _in(
        "acme.probation.v1",
        """
        import "google/type/date.proto";
        import "google/protobuf/timestamp.proto";
        // An offender on probation.
        message Probationer {
          string probationer_id = 1;
          string full_name = 2;
          string email = 5;
          string phone_number = 6;
          google.type.Date sentence_end_date = 3;
          google.protobuf.Timestamp checked_in_at = 4;
        }
        """,
    )
    assert _of(analysis, "acme.probation.v1.Probationer.sentence_end_date").needs_review
    assert not _of(analysis, "acme.probation.v1.Probationer.checked_in_at").needs_review


def test_free_text_on_a_sensitive_record_about_a_person_is_flagged() -> None:
    analysis = _in(
        "acme.probation.v1",
        """
        // An offender on probation.
        message Probationer {
          string probationer_id = 1;
          string full_name = 2;
          string email = 4;
          string phone_number = 5;
          string notes = 3;
        }
        """,
    )
    notes = _of(analysis, "acme.probation.v1.Probationer.notes")
    assert notes.sensitivity == Sensitivity.MEDIUM
    assert notes.needs_review
    assert "criminal justice record" in (notes.review_reason or "")
    plain = analyze(
        "message Customer { string customer_id = 1; string full_name = 2; string notes = 3; }"
    )
    customer = result(plain, "Customer.notes")
    assert customer.sensitivity == Sensitivity.MEDIUM
    assert not customer.needs_review


def test_a_property_word_after_a_high_fact_on_a_person_is_a_doubt() -> None:
    analysis = analyze(
        """
        message Member {
          string member_id = 1;
          string full_name = 2;
          string ethnic_group = 3;
        }
        message Survey { string survey_id = 1; string ethnic_group = 2; }
        """
    )
    member = result(analysis, "Member.ethnic_group")
    assert member.sensitivity == Sensitivity.HIGH or member.needs_review
    if member.needs_review:
        assert "itself" in (member.review_reason or "")


def test_topic_words_in_other_languages_decide_the_record() -> None:
    analysis = _in(
        "acme.clube.v1",
        """
        message Atleta { string atleta_id = 1; string nome = 2; string email = 3; }
        // Registo de uma lesão.
        message Lesao { string atleta_id = 1; string observacoes = 2; int32 dias_paragem = 3; }
        """,
    )
    assert _domain(analysis, "Lesao", "acme.clube.v1") == Domain.HEALTH
    notes = _of(analysis, "acme.clube.v1.Lesao.observacoes")
    assert notes.sensitivity == Sensitivity.HIGH or notes.needs_review
