"""The shape of a de-identification suggestion and the labels it may carry.

Kept free of Presidio and spaCy so services, the pseudonymiser and tests can use suggestions
without loading a language model.
"""

from __future__ import annotations

from dataclasses import dataclass

PERSON = "PERSON"
LOCATION = "LOCATION"
ORGANISATION = "ORGANISATION"
WARD = "WARD"
DATE = "DATE"
AGE = "AGE"
PHONE = "PHONE"
NHS_NUMBER = "NHS_NUMBER"
POSTCODE = "POSTCODE"
EMAIL = "EMAIL"

LABELS = (PERSON, LOCATION, ORGANISATION, WARD, DATE, AGE, PHONE, NHS_NUMBER, POSTCODE, EMAIL)

# Coarse groups used to score suggestions against an answer key: a statistical model often
# calls a hospital a place or a street an organisation, and for a reviewer that is still a hit.
COARSE = {
    PERSON: "person",
    LOCATION: "place",
    ORGANISATION: "place",
    WARD: "place",
    POSTCODE: "place",
    DATE: "time",
    AGE: "time",
    PHONE: "contact",
    EMAIL: "contact",
    NHS_NUMBER: "identifier",
}


@dataclass(frozen=True)
class Suggestion:
    """A stretch of transcript text that may identify someone, for a researcher to accept or reject.

    ``start`` and ``end`` are Unicode code-point offsets into the analysed text, so
    ``text[start:end] == suggestion.text``.
    """

    start: int
    end: int
    text: str
    label: str
    score: float
