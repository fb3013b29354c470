"""Records before fields (policy v2): subject and domain, types and shapes, other
languages, confidence and *needs review*."""

from __future__ import annotations

import pytest
from pii_helpers import analyze, result, tree_of

from pii_detector.analysis import analyze_tree
from pii_detector.classifier import message_context
from pii_detector.levels import PiiType, Sensitivity
from pii_detector.names import words
from pii_detector.records import Domain, Subject
from pii_detector.results import PiiAnalysis

H, M, L, P = Sensitivity.HIGH, Sensitivity.MEDIUM, Sensitivity.LOW, Sensitivity.PUBLIC


def record_of(body: str, message: str, package: str = "acme.test.v1") -> tuple[Subject, Domain]:
    tree = tree_of(body, header=f'syntax = "proto3";\n\npackage {package};\n\n')
    found = tree.message(f"{package}.{message}")
    assert found is not None
    ctx = message_context(found, package)
    return ctx.record.subject, ctx.record.domain


# ---- subject and domain ------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message", "package", "expected"),
    [
        ("message Patient { string mrn = 1; string first_name = 2; }", "Patient",
         "acme.clinic.v1", (Subject.PERSON, Domain.HEALTH)),
        ("message Encounter { string patient_id = 1; string notes = 2; }", "Encounter",
         "acme.ehr.v1", (Subject.ACTIVITY, Domain.HEALTH)),
        ("message RetryPolicy { uint32 num_retries = 1; }", "RetryPolicy",
         "acme.proxy.config.v1", (Subject.CONFIG, Domain.INFRASTRUCTURE)),
        ("message Span { string name = 1; bytes trace_id = 2; }", "Span",
         "acme.tracing.v1", (Subject.ACTIVITY, Domain.TELEMETRY)),
        ("message Product { string sku = 1; string title = 2; }", "Product",
         "acme.shop.v1", (Subject.THING, Domain.GENERAL)),
        ("message Arrest { string person_id = 1; string statute = 2; }", "Arrest",
         "acme.courts.v1", (Subject.ACTIVITY, Domain.CRIMINAL_JUSTICE)),
    ],
)  # fmt: skip
def test_each_message_gets_a_subject_and_a_domain(
    body: str, message: str, package: str, expected: tuple[Subject, Domain]
) -> None:
    assert record_of(body, message, package) == expected


def test_an_unfamiliar_clinical_term_is_health_data_in_a_patient_record_only() -> None:
    clinic = analyze(
        "message Patient { string first_name = 1; string mrn = 2; string qtc_interval = 3; }\n"
        "message ProxyConfig { string qtc_interval = 1; }"
    )
    fact = result(clinic, "Patient.qtc_interval")
    assert (fact.sensitivity, fact.pii_type) == (H, PiiType.SPECIAL_CATEGORY)
    assert fact.rule == "RECORD_CONTEXT" and fact.needs_review and fact.review_reason
    assert fact.confidence < 0.7
    assert result(clinic, "ProxyConfig.qtc_interval").sensitivity == P


def test_administrative_fields_of_a_health_record_keep_their_level() -> None:
    clinic = analyze("message Patient { string first_name = 1; string mrn = 2; string etag = 3; }")
    assert result(clinic, "Patient.etag").sensitivity == P
    assert not result(clinic, "Patient.etag").needs_review


def test_criminal_offence_facts_are_high_without_a_type() -> None:
    courts = analyze(
        "message Conviction { string defendant_id = 1; string offense_grade = 2; }",
    )
    grade = result(courts, "Conviction.offense_grade")
    assert (grade.sensitivity, grade.pii_type) == (H, None)


@pytest.mark.parametrize(
    ("body", "field", "expected"),
    [
        ("message Customer { string email = 1; map<string, string> labels = 2; }",
         "Customer.labels", M),
        ("message Product { string sku = 1; map<string, string> labels = 2; }",
         "Product.labels", P),
        ("message ClickEvent { string user_id = 1; map<string, string> properties = 2; }",
         "ClickEvent.properties", M),
        ("message Cluster { string name = 1; map<string, string> metadata = 2; }",
         "Cluster.metadata", P),
    ],
)  # fmt: skip
def test_free_form_containers_are_free_text_on_people_and_activity_only(
    body: str, field: str, expected: Sensitivity
) -> None:
    found = result(analyze(body), field)
    assert found.sensitivity == expected
    assert found.rule == "OPEN_CONTAINER"
    assert found.pii_type == (PiiType.FREE_TEXT if expected == M else None)


# ---- types and shapes -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("decl", "expected"),
    [
        ("uint64 address = 1;", P),  # a memory address
        ("repeated string id_keys = 1;", P),  # key names
        ("repeated string description_keys = 1;", P),
        ("string runtime_key = 1;", P),
        ("string descriptor_key = 1;", P),
        ("string factory_key = 1;", P),
        ("bool disabled = 1;", P),
        ("string ja3_fingerprint = 1;", P),
        ("string config_fingerprint = 1;", P),
        ("string api_key = 1;", H),
        ("string private_key = 1;", H),
        ("string signing_key = 1;", H),
        ("string password = 1;", H),
        ("uint64 token_lifetime_seconds = 1;", P),
    ],
)
def test_types_and_shapes_on_configuration(decl: str, expected: Sensitivity) -> None:
    body = f"message UpstreamFilterConfig {{\n  {decl}\n}}"
    field = decl.split()[-3]
    assert result(analyze(body), f"UpstreamFilterConfig.{field}").sensitivity == expected


def test_a_condition_of_a_person_stays_sensitive() -> None:
    person = analyze(
        "message Employee { string first_name = 1; string email = 2; bool has_disability = 3;"
        " string fingerprint_template = 4; }"
    )
    assert result(person, "Employee.has_disability").sensitivity == H
    template = result(person, "Employee.fingerprint_template")
    assert (template.sensitivity, template.pii_type) == (H, PiiType.BIOMETRIC)


def test_a_structure_named_after_a_secret_is_judged_by_what_it_holds() -> None:
    analysis = analyze(
        "message RateLimit { TokenBucket token_bucket = 1; SecretRef client_secret = 2; }\n"
        "message TokenBucket { uint32 max_tokens = 1; uint32 tokens_per_fill = 2; }\n"
        "message SecretRef { string name = 1; }"
    )
    assert result(analysis, "RateLimit.token_bucket").sensitivity == P
    assert result(analysis, "RateLimit.client_secret").sensitivity == P


def test_a_doubtful_guess_does_not_spread_to_the_messages_that_hold_it() -> None:
    analysis = analyze(
        "message Customer { string email = 1; string locker_key = 2; }\n"
        "message Order { Customer customer = 1; }"
    )
    guess = result(analysis, "Customer.locker_key")
    assert guess.sensitivity == H and guess.confidence < 0.7
    # The certain MEDIUM e-mail spreads; the doubtful HIGH does not.
    assert result(analysis, "Order.customer").sensitivity == M


def test_telemetry_open_values_and_log_bodies_are_free_text() -> None:
    body = """
message AnyValue {
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    bytes bytes_value = 4;
  }
}
message KeyValue { string key = 1; AnyValue value = 2; }
message LogRecord { AnyValue body = 1; repeated KeyValue attributes = 2; }
"""
    analysis = analyze_tree_in(body, "acme.telemetry.logs.v1")
    for field in ("AnyValue.string_value", "LogRecord.body", "LogRecord.attributes"):
        found = analysis.field(f"acme.telemetry.logs.v1.{field}")
        assert found is not None
        assert (found.sensitivity, found.pii_type) == (M, PiiType.FREE_TEXT), field


def analyze_tree_in(body: str, package: str) -> PiiAnalysis:
    return analyze_tree(tree_of(body, header=f'syntax = "proto3";\n\npackage {package};\n\n'))


# ---- other languages -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("fecha_nacimiento", ("date", "of", "birth")),
        ("fechaDeNacimiento", ("date", "of", "birth")),
        ("geburtsdatum", ("date", "of", "birth")),
        ("data_nascimento", ("date", "of", "birth")),
        ("date_de_naissance", ("date", "of", "birth")),
        ("geboortedatum", ("date", "of", "birth")),
        ("apellidos", ("last", "name")),
        ("strasse", ("street",)),
        ("straße", ("street",)),
        ("plz", ("postal", "code")),
        ("codigo_postal", ("postal", "code")),
        ("codice_fiscale", ("tax", "id")),
        ("contraseña", ("password",)),
        ("woonplaats", ("city",)),
        # English words that look foreign stay English.
        ("data_points", ("data", "point")),
        ("code", ("code",)),
    ],
)
def test_foreign_personal_data_words_read_as_their_meaning(
    name: str, expected: tuple[str, ...]
) -> None:
    assert words(name) == expected


@pytest.mark.parametrize(
    ("field", "level", "pii_type"),
    [
        ("nombre", L, PiiType.NAME),
        ("telefono", M, PiiType.PHONE_PERSONAL),
        ("geburtsdatum", M, PiiType.DATE_OF_BIRTH),
        ("strasse", M, PiiType.ADDRESS_HOME),
        ("plz", M, PiiType.ADDRESS_HOME),
        ("cpf", H, PiiType.NATIONAL_ID),
        ("dni", H, PiiType.NATIONAL_ID),
        ("bsn", H, PiiType.NATIONAL_ID),
        ("senha", H, PiiType.PASSWORD),
        ("salario", H, PiiType.FINANCIAL_INFO),
    ],
)
def test_foreign_field_names_get_the_label_of_their_meaning(
    field: str, level: Sensitivity, pii_type: PiiType
) -> None:
    body = (
        f"message Cliente {{ string nombre_completo = 1; string correo = 2; string {field} = 3; }}"
    )
    found = result(analyze(body), f"Cliente.{field}")
    assert (found.sensitivity, found.pii_type) == (level, pii_type)


# ---- confidence and needs review ---------------------------------------------------------


def test_a_field_no_rule_places_on_a_person_needs_review() -> None:
    analysis = analyze(
        "message Customer { string email = 1; string first_name = 2; string aura_colour = 3; }\n"
        "message Product { string sku = 1; string aura_colour = 2; }"
    )
    unplaced = result(analysis, "Customer.aura_colour")
    assert unplaced.sensitivity == P and unplaced.needs_review
    assert unplaced.review_reason == "no rule places this field of a record about a person"
    assert not result(analysis, "Product.aura_colour").needs_review


def test_every_field_has_a_confidence_between_0_and_1() -> None:
    analysis = analyze(
        "message Customer { string email = 1; string ssn = 2; string aura_colour = 3; }"
    )
    assert all(0.0 <= f.confidence <= 1.0 for f in analysis.fields)
    assert (
        result(analysis, "Customer.ssn").confidence
        > result(analysis, "Customer.aura_colour").confidence
    )


# ---- records linked to a person through ids and holders ------------------------------

_CLINIC = """
message Patient { string patient_id = 1; string full_name = 2; }
message TreatmentCycle {
  string cycle_id = 1;
  string patient_id = 2;
  repeated Dose doses = 3;
}
message Dose { string drug = 1; string route = 2; }
message Follicle { string follicle_id = 1; string cycle_id = 2; string morphology = 3; }
message Incubator { string incubator_id = 1; string morphology = 2; }
"""


def test_a_record_linked_to_a_patient_through_an_id_or_a_holder_is_that_patients() -> None:
    clinic = analyze(_CLINIC)
    # `Follicle` names no person, but its `cycle_id` leads to a patient's treatment cycle.
    linked = result(clinic, "Follicle.morphology")
    assert (linked.sensitivity, linked.rule) == (H, "RECORD_CONTEXT")
    assert "linked to TreatmentCycle" in linked.reasoning and linked.needs_review
    # `Dose` is held by the cycle: what it says is about the same patient.
    assert result(clinic, "Dose.route").sensitivity == H
    # An incubator points at nobody: the same word there is about a machine.
    assert result(clinic, "Incubator.morphology").sensitivity == P
    assert result(clinic, "Follicle.follicle_id").sensitivity == P


def test_a_field_the_rules_cannot_place_on_a_record_about_people_needs_review() -> None:
    fleet = analyze(
        "message Driver { string driver_id = 1; string full_name = 2; string email = 3;\n"
        "  string hospital_number = 4; string residency_status = 5; string status = 6; }\n"
        "message Trip { string trip_id = 1; string driver_id = 2; bool driver_injured = 3;\n"
        "  double distance_km = 4; uint32 speeding_events = 5; }\n"
        "message Depot { string depot_id = 1; bool gated = 2; }"
    )
    flagged = {
        "Driver.hospital_number", "Driver.residency_status", "Trip.driver_injured"
    }  # fmt: skip
    for path in flagged:
        found = result(fleet, path)
        assert found.needs_review and found.review_reason, path
    # The record's own ids, states, counts and measurements, and a thing's flags: no review.
    for path in ("Driver.status", "Trip.trip_id", "Trip.distance_km", "Trip.speeding_events",
                 "Depot.gated"):  # fmt: skip
        assert not result(fleet, path).needs_review, path


def test_a_structure_that_may_hold_more_than_is_certain_needs_review() -> None:
    clinic = analyze(
        "message Patient { string patient_id = 1; string full_name = 2; string qtc = 3; }\n"
        "message GetPatientResponse { Patient patient = 1; }"
    )
    held = result(clinic, "GetPatientResponse.patient")
    # `qtc` is a guess (HIGH, needs review): it does not spread, but the holder is flagged.
    assert held.sensitivity == L and held.needs_review
    assert "may hold HIGH" in (held.review_reason or "")


def test_a_request_that_writes_a_patients_record_and_media_links_need_review() -> None:
    clinic = analyze(
        "message Patient { string patient_id = 1; string full_name = 2; string scan_url = 3; }\n"
        "message Visit { string visit_id = 1; string patient_id = 2;\n"
        "  bool breath_test_positive = 3; bool test_mode = 4; }\n"
        "message StartTherapyRequest { string patient_id = 1; string regimen = 2; }"
    )
    for path in ("Patient.scan_url", "StartTherapyRequest.regimen"):
        assert result(clinic, path).needs_review, path
    # A positive test on a health record about a patient is the fact itself (POLICY.md
    # rule 34's clinical context by the record): HIGH, not only a doubt.
    assert result(clinic, "Visit.breath_test_positive").sensitivity == H
    assert not result(clinic, "Visit.test_mode").needs_review


def test_the_position_of_a_thing_no_person_is_in_is_the_things() -> None:
    zones = analyze(
        "message Vertex { double lat = 1; double lng = 2; }\n"
        "message LatLng { double lat = 1; double lng = 2; }\n"
        "message Warehouse { string name = 1; double lat = 2; double lng = 3; }"
    )
    assert result(zones, "Vertex.lat").sensitivity == P
    # A bare position is whoever holds it; an organisation's place is work contact data.
    assert result(zones, "LatLng.lat").sensitivity == M
    assert result(zones, "Warehouse.lat").sensitivity == L


def test_a_persons_language_is_a_personal_attribute_a_requests_is_a_locale() -> None:
    found = analyze(
        "message Patient { string patient_id = 1; string full_name = 2; string email = 3;\n"
        "  string first_language = 4; }\n"
        "message TranslateRequest { string text = 1; string language = 2; }"
    )
    spoken = result(found, "Patient.first_language")
    assert (spoken.sensitivity, spoken.pii_type) == (L, None)
    assert result(found, "TranslateRequest.language").sensitivity == P


def test_a_field_sure_of_its_own_level_is_not_softened_by_a_guess_inside() -> None:
    found = analyze(
        "message Patient { string patient_id = 1; string full_name = 2;\n"
        "  Residence home_address = 3; Residence stay = 4; }\n"
        "message Residence { string street = 1; string qtc = 2; }"
    )
    # `Residence` is held by a patient's record, so its `qtc` is a guess (HIGH, needs
    # review) that does not spread. `home_address` is MEDIUM by its own name: the gate may
    # block on it, and the doubt inside must not turn that into a review warning; `stay`
    # says nothing itself, so it is flagged.
    assert result(found, "Residence.qtc").needs_review
    held = result(found, "Patient.home_address")
    assert held.sensitivity == M and not held.needs_review
    assert result(found, "Patient.stay").needs_review
