"""How a record's facts are recognised from the records around it (issue 14, round 11).

Own-written fixtures, one per mechanism: a record that holds one person's record points at
them; a part of a person's record that has no identity of its own is about that person;
an id named after a record's initials links to it; a service's headline names the API's
subject matter; a record that selects a group of people is no person; a Romance-language
name puts its head first; free text beside a sensitive fact and a flag whose comment names
one are doubts; a logged time dates the record's own event. Each also pins what must stay
quiet.
"""

from __future__ import annotations

from pii_helpers import tree_of

from pii_detector.analysis import analyze_tree
from pii_detector.levels import PiiType, Sensitivity
from pii_detector.names import words
from pii_detector.records import Domain
from pii_detector.results import FieldResult, PiiAnalysis


def _in(package: str, body: str) -> PiiAnalysis:
    name = package.split(".")[1]
    header = (
        f'syntax = "proto3";\n\npackage {package};\n\n'
        'import "google/protobuf/timestamp.proto";\nimport "google/type/date.proto";\n\n'
    )
    return analyze_tree(tree_of(body, path=f"acme/{name}/v1/{name}.proto", header=header))


def _of(analysis: PiiAnalysis, element: str) -> FieldResult:
    found = analysis.field(element)
    assert found is not None, element
    return found


def _domain(analysis: PiiAnalysis, element: str) -> Domain:
    return next(m.domain for m in analysis.messages if m.element == element)


def test_a_record_that_holds_one_person_points_at_them_a_list_of_people_does_not() -> None:
    analysis = _in(
        "acme.rescue.v1",
        """
        message Reporter {
          string full_name = 1;
          string phone_number = 2;
          string email = 3;
        }
        message Callout {
          string callout_number = 1;
          Reporter reporter = 2;
          // What the reporter said on the phone.
          string summary = 3;
        }
        message Boat {
          string boat_id = 1;
          repeated Reporter volunteers = 2;
          // Free text on the boat's equipment.
          string remarks = 3;
        }
        """,
    )
    summary = _of(analysis, "acme.rescue.v1.Callout.summary")
    assert summary.sensitivity == Sensitivity.MEDIUM
    assert summary.pii_type == PiiType.FREE_TEXT
    assert _of(analysis, "acme.rescue.v1.Boat.remarks").sensitivity == Sensitivity.PUBLIC


def test_demographics_after_a_person_noun_are_that_persons() -> None:
    analysis = _in(
        "acme.triage.v1",
        """
        message MemberDemographics {
          string first_name = 1;
          string last_name = 2;
          string date_of_birth = 3;
        }
        message AudienceDemographics {
          string first_name_initial_filter = 1;
          string region = 2;
        }
        """,
    )
    people = {m.element: m.subject.value for m in analysis.messages}
    assert people["acme.triage.v1.MemberDemographics"] == "person"
    assert people["acme.triage.v1.AudienceDemographics"] != "person"


def test_an_id_named_after_a_records_initials_links_to_that_record() -> None:
    analysis = _in(
        "acme.ems.v1",
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
        """,
    )
    arrival = next(m for m in analysis.messages if m.element == "acme.ems.v1.Arrival")
    assert arrival.domain == Domain.HEALTH
    assert "PatientTransferRecord" in arrival.record_evidence
    assert _of(analysis, "acme.ems.v1.Arrival.bay").needs_review


def test_a_part_of_a_persons_record_with_no_identity_is_about_that_person() -> None:
    analysis = _in(
        "acme.arrears.v1",
        """
        message Borrower {
          string borrower_id = 1;
          string full_name = 2;
          string email = 3;
          Circumstances circumstances = 4;
        }
        message Circumstances {
          bool mental_health_condition = 1;
          string notes = 2;
        }
        message Branch {
          string branch_id = 1;
          Opening opening = 2;
        }
        message Opening {
          bool wheelchair_access = 1;
          string notes = 2;
        }
        """,
    )
    condition = _of(analysis, "acme.arrears.v1.Circumstances.mental_health_condition")
    assert condition.sensitivity == Sensitivity.HIGH
    notes = _of(analysis, "acme.arrears.v1.Circumstances.notes")
    assert notes.sensitivity == Sensitivity.MEDIUM
    assert notes.needs_review  # beside a special-category fact: it may describe it
    assert "mental_health_condition" in (notes.review_reason or "")
    assert _of(analysis, "acme.arrears.v1.Opening.notes").sensitivity == Sensitivity.PUBLIC
    assert not _of(analysis, "acme.arrears.v1.Opening.wheelchair_access").needs_review


def test_a_comment_that_names_a_card_or_a_loan_decides_an_ambiguous_account_number() -> None:
    analysis = _in(
        "acme.servicing.v1",
        """
        message Customer {
          string customer_id = 1;
          string email = 2;
          // The loan's account number at the lender.
          string account_number = 3;
          // Printed on the customer's membership letter.
          string member_account_number = 4;
        }
        """,
    )
    loan = _of(analysis, "acme.servicing.v1.Customer.account_number")
    assert (loan.sensitivity, loan.pii_type) == (Sensitivity.HIGH, PiiType.BANK_ACCOUNT)
    member = _of(analysis, "acme.servicing.v1.Customer.member_account_number")
    assert member.sensitivity == Sensitivity.MEDIUM


def test_a_services_headline_names_the_subject_matter_of_what_it_carries() -> None:
    analysis = _in(
        "acme.outreach.v1",
        """
        // Patient outreach for hospital screening programmes: invitations and replies.
        service OutreachService {
          rpc Reply(ReplyRequest) returns (Invitation);
        }
        message Invitation {
          string invitation_id = 1;
          string person_id = 2;
          string programme_number = 3;
        }
        message ReplyRequest { Invitation invitation = 1; }
        """,
    )
    assert _domain(analysis, "acme.outreach.v1.Invitation") == Domain.HEALTH
    assert _of(analysis, "acme.outreach.v1.Invitation.programme_number").needs_review


def test_only_the_headline_counts_not_the_things_a_service_lists_after_it() -> None:
    analysis = _in(
        "acme.shipyard.v1",
        """
        // Crew rostering for a shipyard: shifts, skills, medical certificates and pay.
        service RosterService {
          rpc GetShift(GetShiftRequest) returns (Shift);
        }
        message Shift {
          string shift_id = 1;
          string worker_id = 2;
          string berth = 3;
        }
        message GetShiftRequest { string shift_id = 1; }
        """,
    )
    assert _domain(analysis, "acme.shipyard.v1.Shift") != Domain.HEALTH


def test_a_record_that_selects_a_group_holds_no_ones_health_or_gender() -> None:
    analysis = _in(
        "acme.studies.v1",
        """
        message InclusionCriteria {
          float max_bmi = 1;
          repeated string excluded_medications = 2;
          bool pregnancy_excluded = 3;
          Sex sex = 4;
        }
        enum Sex { SEX_UNSPECIFIED = 0; SEX_FEMALE = 1; SEX_MALE = 2; }
        message Volunteer {
          string volunteer_id = 1;
          string email = 2;
          Sex sex = 3;
          repeated string medications = 4;
        }
        """,
    )
    for field in ("excluded_medications", "pregnancy_excluded", "sex"):
        found = _of(analysis, f"acme.studies.v1.InclusionCriteria.{field}")
        assert found.sensitivity == Sensitivity.PUBLIC, field
    assert _of(analysis, "acme.studies.v1.Volunteer.sex").sensitivity == Sensitivity.LOW
    medications = _of(analysis, "acme.studies.v1.Volunteer.medications")
    assert medications.sensitivity == Sensitivity.HIGH


def test_a_person_name_word_that_starts_with_the_records_noun_names_the_thing() -> None:
    analysis = _in(
        "acme.glyphs.v1",
        """
        message Family {
          string family_id = 1;
          string family_name = 2;
        }
        message Author {
          string author_id = 1;
          string family_name = 2;
        }
        """,
    )
    assert _of(analysis, "acme.glyphs.v1.Family.family_name").sensitivity == Sensitivity.PUBLIC
    assert _of(analysis, "acme.glyphs.v1.Author.family_name").sensitivity == Sensitivity.LOW


def test_romance_names_put_the_head_first() -> None:
    assert words("id_paciente") == ("patient", "id")
    assert words("num_poliza") == ("policy", "number")
    assert words("codice_fiscale") == ("tax", "id")  # a phrase keeps its own reading
    assert words("id_token") == ("id", "token")  # English: no foreign word after the head
    assert words("farmaci_in_uso")[0] == "medication"
    assert words("schwangerschaft") == ("pregnancy",)
    # People in a role name a person, as their English words do.
    assert words("medico") == ("physician",)
    assert words("tutor_legal") == ("legal", "guardian")


def test_a_flag_whose_comment_names_a_sensitive_fact_needs_review() -> None:
    analysis = _in(
        "acme.lending.v1",
        """
        message RepaymentPlan {
          string plan_id = 1;
          string customer_id = 2;
          int32 instalments = 3;
          // Agreed after the customer's income was assessed.
          bool reduced_plan = 4;
          bool autopay_plan = 5;
        }
        """,
    )
    assert _of(analysis, "acme.lending.v1.RepaymentPlan.reduced_plan").needs_review
    assert not _of(analysis, "acme.lending.v1.RepaymentPlan.autopay_plan").needs_review


def test_an_open_container_on_a_sensitive_record_about_a_person_needs_review() -> None:
    analysis = _in(
        "acme.clinic.v1",
        """
        message Patient {
          string patient_id = 1;
          string full_name = 2;
          map<string, string> intake_answers = 3;
        }
        """,
    )
    answers = _of(analysis, "acme.clinic.v1.Patient.intake_answers")
    assert answers.sensitivity == Sensitivity.MEDIUM
    assert answers.needs_review


def test_a_logged_time_dates_a_health_records_own_event() -> None:
    analysis = _in(
        "acme.clinic.v1",
        """
        message Patient {
          string patient_id = 1;
          string full_name = 2;
        }
        message Observation {
          string observation_id = 1;
          string patient_id = 2;
          google.protobuf.Timestamp measured_at = 3;
          google.type.Date onset_date = 4;
        }
        """,
    )
    assert not _of(analysis, "acme.clinic.v1.Observation.measured_at").needs_review
    assert _of(analysis, "acme.clinic.v1.Observation.onset_date").needs_review


def test_clinical_context_words_apply_on_a_health_record_by_its_record() -> None:
    analysis = _in(
        "acme.outreach.v1",
        """
        // Patient outreach for hospital screening programmes: invitations and replies.
        service OutreachService {
          rpc Reply(ReplyRequest) returns (ReplyForm);
        }
        message ReplyForm {
          string form_id = 1;
          string person_id = 2;
          float weight_kg = 3;
          string reason = 4;
        }
        message ReplyRequest { ReplyForm form = 1; }
        message Parcel {
          string parcel_id = 1;
          float weight_kg = 2;
        }
        """,
    )
    assert _of(analysis, "acme.outreach.v1.ReplyForm.weight_kg").sensitivity == Sensitivity.HIGH
    assert _of(analysis, "acme.outreach.v1.Parcel.weight_kg").sensitivity == Sensitivity.PUBLIC


def test_a_category_whose_values_name_a_health_condition_states_it() -> None:
    analysis = _in(
        "acme.gym.v1",
        """
        message Member {
          string member_id = 1;
          string email = 2;
          PauseReason pause_reason = 3;
          Plan plan = 4;
          PracticeArea trainer_practice_area = 5;
        }
        enum PauseReason {
          PAUSE_REASON_UNSPECIFIED = 0;
          PAUSE_REASON_TRAVEL = 1;
          PAUSE_REASON_PREGNANCY = 2;
        }
        enum Plan { PLAN_UNSPECIFIED = 0; PLAN_BASIC = 1; PLAN_DISABLED = 2; }
        enum PracticeArea { PRACTICE_AREA_UNSPECIFIED = 0; PRACTICE_AREA_INJURY_REHAB = 1; }
        """,
    )
    reason = _of(analysis, "acme.gym.v1.Member.pause_reason")
    assert reason.sensitivity == Sensitivity.HIGH
    assert reason.needs_review and reason.confidence < 0.7  # unsure: it does not spread
    assert _of(analysis, "acme.gym.v1.Member.plan").sensitivity == Sensitivity.PUBLIC
    area = _of(analysis, "acme.gym.v1.Member.trainer_practice_area")
    assert area.sensitivity == Sensitivity.PUBLIC


def test_a_consent_about_a_sensitive_fact_is_not_the_fact_but_a_doubt() -> None:
    analysis = _in(
        "acme.biobank.v1",
        """
        message Donor {
          string donor_id = 1;
          string email = 2;
          bool genetic_research_opt_in = 3;
          bool diabetic = 4;
        }
        """,
    )
    consent = _of(analysis, "acme.biobank.v1.Donor.genetic_research_opt_in")
    assert consent.sensitivity == Sensitivity.PUBLIC
    assert consent.needs_review
    assert _of(analysis, "acme.biobank.v1.Donor.diabetic").sensitivity == Sensitivity.HIGH
