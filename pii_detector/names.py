"""Reading identifiers as words: ``homeAddr2`` → ``home address``, ``SSNLast4`` → ``ssn last 4``.

Classification works on whole words, never on substrings, which is what makes the
policy's traps harmless (``passport`` is not ``password``, ``statement`` holds no
``address``, ``zip_file`` is a file).
"""

from __future__ import annotations

import re
from functools import lru_cache

# Letters-then-digits words that are names in their own right and must not be split.
_KEEP_WHOLE = frozenset(
    {"ipv4", "ipv6", "cvv2", "cvc2", "e164", "icd9", "icd10", "sha1", "sha256", "x509", "md5",
     "oauth2", "s3", "iso2", "iso3", "alpha2", "alpha3", "b64", "base64", "utf8", "2fa", "mfa2",
     "open24h", "24h", "3ds"}
)  # fmt: skip

# Abbreviations and run-together compounds → the words they stand for.
_EXPANSIONS: dict[str, tuple[str, ...]] = {
    "addr": ("address",),
    "adr": ("address",),
    "dob": ("date", "of", "birth"),
    "birthdate": ("birth", "date"),
    "birthday": ("birth", "date"),
    "bday": ("birth", "date"),
    "fname": ("first", "name"),
    "lname": ("last", "name"),
    "nm": ("name",),
    "firstname": ("first", "name"),
    "lastname": ("last", "name"),
    "fullname": ("full", "name"),
    "surname": ("last", "name"),
    "forename": ("first", "name"),
    "givenname": ("given", "name"),
    "username": ("user", "name"),
    "userid": ("user", "id"),
    # `uid` is a resource's unique id (AIP-148), not a user id: the message decides.
    "uid": ("id",),
    "screenname": ("screen", "name"),
    "nickname": ("nick", "name"),
    "nick": ("nick", "name"),
    "hostname": ("host", "name"),
    "filename": ("file", "name"),
    "pathname": ("path", "name"),
    "emailaddress": ("email", "address"),
    "phonenumber": ("phone", "number"),
    "telephone": ("phone",),
    "tel": ("phone",),
    "cellphone": ("cell", "phone"),
    "zipcode": ("zip",),
    "postcode": ("postal", "code"),
    "postalcode": ("postal", "code"),
    "ipaddress": ("ip", "address"),
    "ipaddr": ("ip", "address"),
    "macaddress": ("mac", "address"),
    "passwd": ("password",),
    "pwd": ("password",),
    "pw": ("password",),
    "passcode": ("password",),
    "passphrase": ("password",),
    # a word agreed with a person to prove who calls: a shared secret
    "codeword": ("password",),
    "nino": ("national", "insurance", "number"),
    "cdl": ("driver", "license"),
    "num": ("number",),
    "no": ("number",),
    "nbr": ("number",),
    "nr": ("number",),
    "acct": ("account",),
    "acc": ("account",),
    "lat": ("latitude",),
    "lng": ("longitude",),
    "lon": ("longitude",),
    "latlng": ("latitude", "longitude"),
    "latlon": ("latitude", "longitude"),
    "geo": ("geolocation",),
    "ccn": ("card", "number"),
    "cc": ("card",),
    "emp": ("employee",),
    "mgr": ("manager",),
    "licence": ("license",),
    "lic": ("license",),
    "dl": ("driver", "license"),
    "ssnlast4": ("ssn", "last", "4"),
    "last4": ("last", "4"),
    "lastfour": ("last", "4"),
    "four": ("4",),
    "apikey": ("api", "key"),
    "apt": ("apartment",),
    "dept": ("department",),
    "desc": ("description",),
    "msg": ("message",),
    "ip4": ("ipv4",),
    "ip6": ("ipv6",),
    "rx": ("prescription",),
    "dx": ("diagnosis",),
    "meds": ("medications",),
    "ts": ("timestamp",),
    "tz": ("timezone",),
    "cnt": ("count",),
    "qty": ("quantity",),
    "amt": ("amount",),
    "addl": ("additional",),
    "totp": ("otp",),
    "hotp": ("otp",),
    "jwt": ("token",),
    "gps": ("geolocation",),
    "coords": ("coordinates",),
}

# Plural → singular for words the lexicon knows; other plurals lose a trailing "s".
_IRREGULAR_SINGULAR = {
    "addresses": "address",
    "diagnoses": "diagnosis",
    "analyses": "analysis",
    "statuses": "status",
    "aliases": "alias",
    "people": "person",
    "children": "child",
    "allergies": "allergy",
    "identities": "identity",
    "policies": "policy",
    "countries": "country",
    "cities": "city",
    "categories": "category",
    "properties": "property",
    "activities": "activity",
    "entries": "entry",
    "replies": "reply",
    "dependencies": "dependency",
    "histories": "history",
    "bodies": "body",
    "parties": "party",
    "preferences": "preference",
    "licenses": "license",
    "biometrics": "biometric",
    "vitals": "vital",
    "metrics": "metric",
    "settings": "setting",
    "details": "detail",
    "notes": "note",
    "comments": "comment",
    "remarks": "remark",
    "symptoms": "symptom",
    "medications": "medication",
    "conditions": "condition",
    "prescriptions": "prescription",
    "tokens": "token",
    "secrets": "secret",
    "answers": "answer",
    "questions": "question",
    "codes": "code",
    "keys": "key",
    "ids": "id",
    "emails": "email",
    "phones": "phone",
    "numbers": "number",
    "names": "name",
    "instructions": "instruction",
    "views": "view",
    "beliefs": "belief",
    "credentials": "credential",
    "coordinates": "coordinates",
    "bytes": "bytes",
    "items": "item",
    "lines": "line",
}

# Words that end in "s" but are singular (never strip them).
_SINGULAR_S = frozenset(
    {"address", "status", "sms", "gps", "alias", "ssn", "bonus", "census", "canvas", "atlas",
     "axis", "series", "species", "news", "plus", "minus", "previous", "various", "always",
     "ios", "macos", "express", "stats", "analytics", "economics", "ethics", "politics",
     "genetics", "diabetes", "herpes", "rabies", "measles", "mumps", "proceeds", "sales",
     "goods", "dues", "whereabouts", "premises", "headquarters", "means", "thanks", "terms",
     "coordinates", "vitals"}
)  # fmt: skip

# Keep unit-like plurals as they are: "days", "seconds" read as units in counters.
_UNIT_PLURALS = frozenset(
    {"seconds", "ms", "ns", "days", "hours", "minutes", "years", "months", "weeks", "cents",
     "meters", "metres", "bytes", "savings", "earnings"}
)  # fmt: skip

# Personal-data words of Spanish, Portuguese, French, German, Italian and Dutch, with
# their common abbreviations, → the English words they mean (policy v2: names in other
# languages get the label of their meaning). Accents are dropped before lookup. Only
# words that cannot be read as English or as a technical term are listed: not `data`,
# `via`, `land`, `cap`, `alter`, `eta`, `handy`, `portable`, nor `rfc`, `rg`, `cp`, `fec`.
_FOREIGN: dict[str, tuple[str, ...]] = {
    # names
    "nombre": ("name",),
    "nombres": ("first", "name"),
    "apellido": ("last", "name"),
    "apellidos": ("last", "name"),
    "nome": ("name",),
    "sobrenome": ("last", "name"),
    "cognome": ("last", "name"),
    "prenom": ("first", "name"),
    "nom": ("name",),
    "vorname": ("first", "name"),
    "nachname": ("last", "name"),
    "familienname": ("last", "name"),
    "naam": ("name",),
    "voornaam": ("first", "name"),
    "achternaam": ("last", "name"),
    "tussenvoegsel": ("middle", "name"),
    "apodo": ("nick", "name"),
    "apelido": ("nick", "name"),
    "spitzname": ("nick", "name"),
    # birth and age
    "nacimiento": ("birth",),
    "nascimento": ("birth",),
    "naissance": ("birth",),
    "nascita": ("birth",),
    "geburtsdatum": ("date", "of", "birth"),
    "geburtstag": ("birth", "date"),
    "geboortedatum": ("date", "of", "birth"),
    "fecha": ("date",),
    "edad": ("age",),
    "idade": ("age",),
    "leeftijd": ("age",),
    # contact
    "telefono": ("phone",),
    "telefone": ("phone",),
    "telefon": ("phone",),
    "telefoon": ("phone",),
    "telefonnummer": ("phone", "number"),
    "telefoonnummer": ("phone", "number"),
    "movil": ("mobile", "phone"),
    "celular": ("mobile", "phone"),
    "cellulare": ("mobile", "phone"),
    "mobiel": ("mobile", "phone"),
    "correo": ("email",),
    "courriel": ("email",),
    "direccion": ("address",),
    "domicilio": ("home", "address"),
    "endereco": ("address",),
    "adresse": ("address",),
    "indirizzo": ("address",),
    "adres": ("address",),
    "anschrift": ("address",),
    "calle": ("street",),
    "rua": ("street",),
    "logradouro": ("street",),
    "rue": ("street",),
    "strasse": ("street",),
    "straat": ("street",),
    "huisnummer": ("house", "number"),
    "hausnummer": ("house", "number"),
    "cep": ("postal", "code"),
    "plz": ("postal", "code"),
    "postleitzahl": ("postal", "code"),
    "ciudad": ("city",),
    "cidade": ("city",),
    "ville": ("city",),
    "citta": ("city",),
    "wohnort": ("city",),
    "woonplaats": ("city",),
    "localidad": ("city",),
    "pais": ("country",),
    "pays": ("country",),
    "paese": ("country",),
    # identity documents
    "dni": ("national", "id"),
    "nif": ("tax", "id"),
    "cuit": ("tax", "id"),
    "cuil": ("tax", "id"),
    "cnh": ("driver", "license"),
    "nir": ("ssn",),
    "bsn": ("national", "id"),
    "burgerservicenummer": ("national", "id"),
    "codice": ("code",),
    "fiscale": ("tax", "id"),
    "steuernummer": ("tax", "number"),
    "steuer": ("tax",),
    "sozialversicherungsnummer": ("ssn",),
    "personalausweis": ("national", "id"),
    "pasaporte": ("passport",),
    "passaporte": ("passport",),
    "passeport": ("passport",),
    "passaporto": ("passport",),
    "reisepass": ("passport",),
    "paspoort": ("passport",),
    "fuhrerschein": ("driver", "license"),
    "fuehrerschein": ("driver", "license"),
    "rijbewijs": ("driver", "license"),
    "nss": ("ssn",),
    "numero": ("number",),
    "poliza": ("policy",),
    "polizza": ("policy",),
    "apolice": ("policy",),
    "nummer": ("number",),
    "nro": ("number",),
    # people in a role (a `medico` field names the physician, a `titular` the holder)
    "medico": ("physician",),
    "medecin": ("physician",),
    "arzt": ("physician",),
    "huisarts": ("physician",),
    "odontologo": ("dentist",),
    "dentista": ("dentist",),
    "dentiste": ("dentist",),
    "zahnarzt": ("dentist",),
    "tandarts": ("dentist",),
    "titular": ("holder",),
    "titolare": ("holder",),
    "titulaire": ("holder",),
    "inhaber": ("holder",),
    "tutore": ("guardian",),
    "tuteur": ("guardian",),
    "vormund": ("guardian",),
    "voogd": ("guardian",),
    "fiador": ("guarantor",),
    "fiadora": ("guarantor",),
    "avalista": ("guarantor",),
    "burge": ("guarantor",),
    "borg": ("guarantor",),
    "inquilino": ("tenant",),
    "inquilina": ("tenant",),
    "arrendatario": ("tenant",),
    "locataire": ("tenant",),
    "locatario": ("tenant",),
    "mieter": ("tenant",),
    "huurder": ("tenant",),
    "arrendador": ("landlord",),
    "locador": ("landlord",),
    "senhorio": ("landlord",),
    "bailleur": ("landlord",),
    "vermieter": ("landlord",),
    "verhuurder": ("landlord",),
    "propietario": ("owner",),
    "proprietario": ("owner",),
    "proprietaire": ("owner",),
    "eigentumer": ("owner",),
    "eigentuemer": ("owner",),
    "eigenaar": ("owner",),
    "makelaar": ("broker",),
    "makler": ("broker",),
    "corretor": ("broker",),
    "enfermera": ("nurse",),
    "enfermero": ("nurse",),
    "enfermeira": ("nurse",),
    "enfermeiro": ("nurse",),
    "infirmiere": ("nurse",),
    "infirmier": ("nurse",),
    "infermiera": ("nurse",),
    "infermiere": ("nurse",),
    "krankenschwester": ("nurse",),
    "pflegekraft": ("nurse",),
    "pflegefachperson": ("nurse",),
    "pflegefachfrau": ("nurse",),
    "pflegefachmann": ("nurse",),
    "personalnummer": ("employee", "number"),
    "personeelsnummer": ("employee", "number"),
    "verpleegkundige": ("nurse",),
    "angehoeriger": ("family", "member"),
    "angehoerige": ("family", "member"),
    "angehoriger": ("family", "member"),
    "angehorige": ("family", "member"),
    "familiar": ("family", "member"),
    "familiare": ("family", "member"),
    "familielid": ("family", "member"),
    "werkgever": ("employer",),
    "arbeitgeber": ("employer",),
    "empregador": ("employer",),
    "empleador": ("employer",),
    "employeur": ("employer",),
    "profesion": ("occupation",),
    "profissao": ("occupation",),
    "professione": ("occupation",),
    "beruf": ("occupation",),
    "beroep": ("occupation",),
    # personal attributes
    "sexo": ("gender",),
    "sexe": ("gender",),
    "sesso": ("gender",),
    "geschlecht": ("gender",),
    "geslacht": ("gender",),
    "genero": ("gender",),
    "nacionalidad": ("nationality",),
    "nacionalidade": ("nationality",),
    "nationalite": ("nationality",),
    "nazionalita": ("nationality",),
    "staatsangehorigkeit": ("nationality",),
    "nationaliteit": ("nationality",),
    "familienstand": ("marital", "status"),
    "religion": ("religion",),
    "religiao": ("religion",),
    "religione": ("religion",),
    "konfession": ("religion",),
    "godsdienst": ("religion",),
    # money and secrets
    "salario": ("salary",),
    "sueldo": ("salary",),
    "salaire": ("salary",),
    "stipendio": ("salary",),
    "gehalt": ("salary",),
    "salaris": ("salary",),
    "ingresos": ("income",),
    "renda": ("income",),
    "revenu": ("income",),
    "reddito": ("income",),
    "einkommen": ("income",),
    "inkomen": ("income",),
    "lohn": ("wage",),
    "kontonummer": ("account", "number"),
    "rekeningnummer": ("bank", "account", "number"),
    "contrasena": ("password",),
    "senha": ("password",),
    "passwort": ("password",),
    "kennwort": ("password",),
    "wachtwoord": ("password",),
    "motdepasse": ("password",),
    # health and notes
    "diagnostico": ("diagnosis",),
    "diagnose": ("diagnosis",),
    "diagnosi": ("diagnosis",),
    "enfermedad": ("medical", "condition"),
    "krankheit": ("medical", "condition"),
    "alergia": ("allergy",),
    "allergie": ("allergy",),
    "medicamento": ("medication",),
    "medicamentos": ("medication",),
    "medicament": ("medication",),
    "medikament": ("medication",),
    "medikamente": ("medication",),
    "farmaco": ("medication",),
    "farmaci": ("medication",),
    "geneesmiddel": ("medication",),
    "medicijn": ("medication",),
    "embarazo": ("pregnancy",),
    "gravidez": ("pregnancy",),
    "grossesse": ("pregnancy",),
    "gravidanza": ("pregnancy",),
    "schwangerschaft": ("pregnancy",),
    "zwangerschap": ("pregnancy",),
    "vitalwerte": ("vital", "signs"),
    "vitaldaten": ("vital", "signs"),
    "vitalparameter": ("vital", "signs"),
    "vitale": ("vital",),
    "vitali": ("vital",),
    "vitais": ("vital",),
    "vitaux": ("vital",),
    "vitales": ("vital",),
    "diagnosen": ("diagnosis",),
    "diagnosticos": ("diagnosis",),
    "unterschrift": ("signature",),
    "handtekening": ("signature",),
    "assinatura": ("signature",),
    "bemerkungen": ("note",),
    "hinweise": ("note",),
    "osservazioni": ("note",),
    "notas": ("note",),
    "observaciones": ("note",),
    "observacoes": ("note",),
    "remarques": ("note",),
    "bemerkung": ("note",),
    "opmerking": ("note",),
    "opmerkingen": ("note",),
    # topics of sensitive records (records.py reads a record's domain from them)
    "lesao": ("injury",),
    "lesione": ("injury",),
    "blessure": ("injury",),
    "verletzung": ("injury",),
    "salud": ("health",),
    "saude": ("health",),
    "sante": ("health",),
    "gesundheit": ("health",),
    "gezondheid": ("health",),
    "paciente": ("patient",),
    "paziente": ("patient",),
    "tribunale": ("court",),
    "gericht": ("court",),
    "rechtbank": ("court",),
    "prision": ("prison",),
    "prisao": ("prison",),
    "prigione": ("prison",),
    "gefangnis": ("prison",),
    "gevangenis": ("prison",),
    "sindicato": ("union",),
    "sindacato": ("union",),
    "syndicat": ("union",),
    "gewerkschaft": ("union",),
    "vakbond": ("union",),
    # social services (round 13): welfare, benefits, disability in the six languages
    "sociaal": ("social",),
    "sozial": ("social",),
    "sociale": ("social",),
    "sociali": ("social",),
    "bijstand": ("welfare",),
    "sozialhilfe": ("welfare",),
    "uitkering": ("benefit",),
    "prestacion": ("benefit",),
    "prestacao": ("benefit",),
    "beneficio": ("benefit",),
    "sussidio": ("subsidy",),
    "subsidio": ("subsidy",),
    "behinderung": ("disability",),
    "discapacidad": ("disability",),
    "deficiencia": ("disability",),
    "handicap": ("disability",),
    "invalidita": ("disability",),
    "beperking": ("disability",),
    "pensioen": ("pension",),
    "pensione": ("pension",),
    "aposentadoria": ("pension",),
    "jubilacion": ("pension",),
    "iglesia": ("church",),
    "igreja": ("church",),
    "chiesa": ("church",),
    "eglise": ("church",),
    "kirche": ("church",),
    "schlusselsafe": ("lockbox",),
    "schluesselsafe": ("lockbox",),
    "schlusseltresor": ("lockbox",),
    "schluesseltresor": ("lockbox",),
    "sleutelkluis": ("lockbox",),
    "vorstrafe": ("criminal", "record"),
    "vorstrafen": ("criminal", "record"),
    "strafregister": ("criminal", "record"),
    "strafblad": ("criminal", "record"),
    "kerk": ("church",),
    "parroquia": ("parish",),
    "paroquia": ("parish",),
    "parrocchia": ("parish",),
    "paroisse": ("parish",),
    "pfarrei": ("parish",),
    "parochie": ("parish",),
}
# Multi-word phrases whose words alone mean something else in English.
_FOREIGN_PHRASES: dict[tuple[str, ...], tuple[str, ...]] = {
    ("codigo", "postal"): ("postal", "code"),
    ("code", "postal"): ("postal", "code"),
    ("codice", "postale"): ("postal", "code"),
    ("data", "nascimento"): ("date", "of", "birth"),
    ("data", "nascita"): ("date", "of", "birth"),
    ("data", "di", "nascita"): ("date", "of", "birth"),
    ("data", "de", "nascimento"): ("date", "of", "birth"),
    ("fecha", "de", "nacimiento"): ("date", "of", "birth"),
    ("date", "de", "naissance"): ("date", "of", "birth"),
    ("fec", "nac"): ("date", "of", "birth"),
    ("fecha", "nac"): ("date", "of", "birth"),
    ("fecha", "nacimiento"): ("date", "of", "birth"),
    ("date", "naissance"): ("date", "of", "birth"),
    ("nom", "de", "famille"): ("last", "name"),
    ("mot", "de", "passe"): ("password",),
    ("codice", "fiscale"): ("tax", "id"),
    ("estado", "civil"): ("marital", "status"),
    ("situation", "familiale"): ("marital", "status"),
    ("burgerlijke", "staat"): ("marital", "status"),
    ("stato", "civile"): ("marital", "status"),
    ("seguro", "social"): ("ssn",),
    ("securite", "sociale"): ("ssn",),
    ("numero", "de", "cuenta"): ("account", "number"),
    ("cuenta", "bancaria"): ("bank", "account"),
    ("conta", "bancaria"): ("bank", "account"),
    ("compte", "bancaire"): ("bank", "account"),
    ("conto", "corrente"): ("bank", "account"),
    ("carte", "vitale"): ("health", "insurance", "number"),
    ("permis", "de", "conduire"): ("driver", "license"),
    ("licencia", "de", "conducir"): ("driver", "license"),
    ("correo", "electronico"): ("email",),
    ("adresse", "email"): ("email",),
    ("nome", "completo"): ("full", "name"),
    ("nombre", "completo"): ("full", "name"),
    ("nom", "complet"): ("full", "name"),
    # the Swiss AHV/AVS social security number, a French insured person's number
    ("no", "avs"): ("ssn",),
    ("numero", "avs"): ("ssn",),
    ("no", "ahv"): ("ssn",),
    ("ahv", "nr"): ("ssn",),
    ("ahv", "nummer"): ("ssn",),
    ("no", "assure"): ("insurance", "number"),
    ("numero", "assure"): ("insurance", "number"),
    ("numero", "d", "assure"): ("insurance", "number"),
    # a box of keys outside a home (its code opens the door: an access code)
    ("boite", "a", "cles"): ("lockbox",),
    ("boite", "a", "cle"): ("lockbox",),
    ("caja", "de", "llaves"): ("lockbox",),
    ("cofre", "de", "chaves"): ("lockbox",),
    ("cassetta", "chiavi"): ("lockbox",),
    ("antecedentes", "criminais"): ("criminal", "record"),
    ("antecedentes", "penales"): ("criminal", "record"),
    ("antecedentes", "penais"): ("criminal", "record"),
    ("casier", "judiciaire"): ("criminal", "record"),
    ("casellario", "giudiziale"): ("criminal", "record"),
    ("fedina", "penale"): ("criminal", "record"),
    ("datore", "di", "lavoro"): ("employer",),
    ("tutor", "legal"): ("legal", "guardian"),
    ("tutora", "legal"): ("legal", "guardian"),
    ("tutore", "legale"): ("legal", "guardian"),
    ("tuteur", "legal"): ("legal", "guardian"),
}
_MAX_FOREIGN = max(len(k) for k in _FOREIGN_PHRASES)
_ACCENTS = str.maketrans("áàâãäéèêëíìîïóòôõöúùûüçñß", "aaaaaeeeeiiiiooooouuuucns")


# Heads a Romance-language name puts first (`id_paciente`, `num_poliza`, `numero_socio`):
# before a foreign word they are read last, as in English (`patient_id`, `policy_number`).
_HEAD_FIRST = frozenset({"id", "num", "numero", "nro", "nr", "cod", "codigo", "codice", "code"})


# German and Dutch write compounds as one word with the head last (`jaarinkomen`: yearly
# income, `stundenlohn`: hourly wage, `pflegefachperson`: a care professional): a word the
# lists do not know that ends in one of these heads is read as its modifier and the head.
_COMPOUND_HEADS = frozenset(
    {"einkommen", "inkomen", "lohn", "gehalt", "salaris", "arzt", "nummer", "telefon",
     "telefoon", "adresse", "diagnose", "diagnosen", "unterschrift", "handtekening",
     "person", "persoon", "datum", "geburtsdatum", "geboortedatum", "krankheit", "medikament"}
)  # fmt: skip
_COMPOUND_ENGLISH = {"person": ("person",), "persoon": ("person",), "datum": ("date",)}


def _compound(word: str) -> tuple[str, ...] | None:
    """`jaarinkomen` → (`jaar`, `income`): the longest known head, after at least three
    letters of modifier, in a word of eight letters or more the lists do not know."""
    if len(word) < 8 or word in _FOREIGN:
        return None
    for start in range(3, len(word) - 3):
        head = word[start:]
        if head in _COMPOUND_HEADS:
            modifier = word[:start]
            english = _FOREIGN.get(head) or _COMPOUND_ENGLISH[head]
            return (modifier, *english)
    return None


def _translate(parts: list[str]) -> list[str]:
    """Foreign personal-data words → English words; everything else unchanged."""
    parts = [w for p in parts for w in _compound(p) or (p,)]
    plain = [p.translate(_ACCENTS) for p in parts]
    if not any(p in _FOREIGN or p in _FOREIGN_FIRST for p in plain):
        return parts
    phrase_first = any(tuple(plain[:size]) in _FOREIGN_PHRASES for size in range(2, 4))
    if (
        len(plain) >= 2
        and plain[0] in _HEAD_FIRST
        and not phrase_first
        and (rest := _translate(parts[1:])) != parts[1:]
    ):
        return [*rest, *_translate(parts[:1])]
    out: list[str] = []
    i = 0
    while i < len(plain):
        for size in range(min(_MAX_FOREIGN, len(plain) - i), 1, -1):
            english = _FOREIGN_PHRASES.get(tuple(plain[i : i + size]))
            if english is not None:
                out.extend(english)
                i += size
                break
        else:
            out.extend(_FOREIGN.get(plain[i], (parts[i],)))
            i += 1
    return out


_FOREIGN_FIRST = frozenset(k[0] for k in _FOREIGN_PHRASES)

_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+[0-9]*|[A-Z]+[0-9]*|[0-9]+[a-z]*")
_SPLIT_DIGITS = re.compile(r"^([a-z]+?)([0-9]+)$")


def raw_words(identifier: str) -> list[str]:
    """Split on underscores, dots, dashes, case changes; lowercase; digits kept attached."""
    return list(_raw_words(identifier))


# A schema repeats its field names thousands of times: split each name once.
@lru_cache(maxsize=1 << 16)
def _raw_words(identifier: str) -> tuple[str, ...]:
    words: list[str] = []
    for chunk in _SEPARATORS.split(identifier.replace("ß", "ss").translate(_ACCENTS)):
        words.extend(part.lower() for part in _CAMEL.findall(chunk))
    return tuple(words)


_SEPARATORS = re.compile(r"[_\.\-\s/]+")


def singular(word: str) -> str:
    if word in _IRREGULAR_SINGULAR:
        return _IRREGULAR_SINGULAR[word]
    if word in _SINGULAR_S or word in _UNIT_PLURALS or len(word) <= 3:
        return word
    if word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("s"):
        return word[:-1]
    return word


@lru_cache(maxsize=1 << 16)
def words(identifier: str) -> tuple[str, ...]:
    """The normalised words of an identifier: split, lowercased, expanded, singular.

    >>> words("homeAddr2")
    ('home', 'address', '2')
    >>> words("SSNLast4")
    ('ssn', 'last', '4')
    >>> words("ip_address")
    ('ip', 'address')
    """
    out: list[str] = []
    for word in _translate(raw_words(identifier)):
        if word not in _KEEP_WHOLE and word not in _EXPANSIONS:
            match = _SPLIT_DIGITS.match(word)
            if match:
                out.extend(_expand(match.group(1)))
                out.append(match.group(2))
                continue
        out.extend(_expand(word))
    return tuple(_join_email(out))


def initials(identifier: str) -> str:
    """The initials of a record's name (`PatientCareReport` → `pcr`), when it has three
    words or more: an id may be named after them (`pcr_id`)."""
    found = "".join(w[0] for w in words(identifier) if w[0].isalpha())
    return found if len(found) >= 3 else ""


def _expand(word: str) -> tuple[str, ...]:
    if word in _EXPANSIONS:
        return _EXPANSIONS[word]
    if word in _KEEP_WHOLE:
        return (word,)
    base = singular(word)
    return _EXPANSIONS.get(base, (base,))


def _join_email(parts: list[str]) -> list[str]:
    """``e_mail`` / ``eMail`` → ``email``."""
    out: list[str] = []
    i = 0
    while i < len(parts):
        if parts[i] == "e" and i + 1 < len(parts) and parts[i + 1] == "mail":
            out.append("email")
            i += 2
            continue
        out.append(parts[i])
        i += 1
    return out
