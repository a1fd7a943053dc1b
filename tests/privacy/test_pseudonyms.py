"""Study-wide pseudonyms and the separate key store (no language model needed)."""

import json

import pytest

from reverie.core.errors import InvalidInput
from reverie.privacy.deid import KeyStore, Pseudonymiser, Replacement, Suggestion, apply


def accept(text, *pairs):
    """Suggestions for each (span, label) at its first occurrence in ``text``."""
    out = []
    for span, label in pairs:
        start = text.index(span)
        out.append(Suggestion(start, start + len(span), span, label, 1.0))
    return out


def test_pseudonyms_are_numbered_by_kind_and_applied():
    text = "Fiona Campbell took me to Ninewells Hospital in Dundee on 3 March; Ward 42 was full."
    accepted = accept(
        text,
        ("Fiona Campbell", "PERSON"),
        ("Ninewells Hospital", "ORGANISATION"),
        ("Dundee", "LOCATION"),
        ("3 March", "DATE"),
        ("Ward 42", "WARD"),
    )
    replacements, key = Pseudonymiser().assign(accepted)
    assert apply(text, replacements) == (
        "[Name 1] took me to [Hospital 1] in [Place 1] on [Date]; [Ward 1] was full."
    )
    assert key == {
        "Fiona Campbell": "[Name 1]",
        "Ninewells Hospital": "[Hospital 1]",
        "Dundee": "[Place 1]",
        "Ward 42": "[Ward 1]",
    }


def test_the_key_keeps_pseudonyms_consistent_across_transcripts():
    first = "Fiona Campbell and Gareth Jones met at Castle Street Surgery."
    _, key = Pseudonymiser().assign(
        accept(
            first,
            ("Fiona Campbell", "PERSON"),
            ("Gareth Jones", "PERSON"),
            ("Castle Street Surgery", "ORGANISATION"),
        )
    )
    second = "Later fiona said Gareth Jones had left the castle street surgery for Morriston Hospital."
    replacements, key = Pseudonymiser(key).assign(
        accept(
            second,
            ("fiona", "PERSON"),
            ("Gareth Jones", "PERSON"),
            ("castle street surgery", "ORGANISATION"),
            ("Morriston Hospital", "ORGANISATION"),
        )
    )
    assert apply(second, replacements) == (
        "Later [Name 1] said [Name 2] had left the [Practice 1] for [Hospital 1]."
    )
    assert key["Morriston Hospital"] == "[Hospital 1]" and len(key) == 4


def test_numbering_continues_from_an_existing_key():
    key = {"Someone Else": "[Name 7]"}
    replacements, key = Pseudonymiser(key).assign(accept("and Ruth", ("Ruth", "PERSON")))
    assert replacements[0].pseudonym == "[Name 8]"


def test_a_first_name_shared_by_two_people_gets_its_own_pseudonym():
    key = {"Fiona Campbell": "[Name 1]", "Fiona Reid": "[Name 2]"}
    replacements, _ = Pseudonymiser(key).assign(accept("Fiona", ("Fiona", "PERSON")))
    assert replacements[0].pseudonym == "[Name 3]"


def test_apply_refuses_stale_or_overlapping_replacements():
    with pytest.raises(InvalidInput, match="changed"):
        apply("Hello Fiona", [Replacement(6, 11, "Fiona", "[Name 1]"), Replacement(0, 5, "Hullo", "x")])
    with pytest.raises(InvalidInput, match="overlaps"):
        apply("Hello Fiona", [Replacement(6, 11, "Fiona", "[Name 1]"), Replacement(4, 8, "o Fi", "x")])


def test_key_store_round_trip_permissions_and_destroy(tmp_path):
    store = KeyStore(tmp_path / "keys" / "study-key.json")
    (tmp_path / "keys").mkdir()
    assert store.load() == {}
    store.path.write_bytes(store.dump({"Siân Pritchard": "[Name 1]"}))
    assert store.load() == {"Siân Pritchard": "[Name 1]"}
    assert json.loads(store.path.read_text(encoding="utf-8"))["format"] == "reverie-pseudonym-key"
    store.destroy()
    assert not store.path.exists() and list((tmp_path / "keys").iterdir()) == []
    store.destroy()  # destroying twice is harmless


def test_destroy_overwrites_before_unlinking(tmp_path, monkeypatch):
    store = KeyStore(tmp_path / "k.json")
    store.path.write_bytes(store.dump({"Fiona Campbell": "[Name 1]"}))
    seen = {}
    real_unlink = type(store.path).unlink

    def spy(path, *args, **kwargs):
        seen["content"] = path.read_bytes()
        real_unlink(path, *args, **kwargs)

    monkeypatch.setattr(type(store.path), "unlink", spy)
    store.destroy()
    assert b"Fiona" not in seen["content"]


def test_key_store_refuses_other_files(tmp_path):
    (tmp_path / "k.json").write_text('{"format": "something-else"}')
    with pytest.raises(InvalidInput, match="not a Reverie pseudonym key"):
        KeyStore(tmp_path / "k.json").load()
    (tmp_path / "k.json").write_text("[1, 2]")
    with pytest.raises(InvalidInput):
        KeyStore(tmp_path / "k.json").load()
