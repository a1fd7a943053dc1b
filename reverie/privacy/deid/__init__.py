"""De-identification suggestions for UK interview transcripts, and study-wide pseudonyms.

    from reverie.privacy.deid import suggest, Pseudonymiser, KeyStore, apply

    found = suggest(text, allow_list=["P1", "Recovery College"], confirmed=["Fiona Campbell"])
    store = KeyStore(path_outside_the_study)
    replacements, key = Pseudonymiser(store.load()).assign(accepted)
    write_file(store.path, store.dump(key))  # reverie.store.files, from a service
    new_text = apply(text, replacements)

Importing this package is cheap: Presidio and spaCy load on the first call to ``suggest``.
"""

from reverie.privacy.deid.pseudonyms import KeyStore, Pseudonymiser, Replacement, apply
from reverie.privacy.deid.suggest import suggest
from reverie.privacy.deid.suggestion import LABELS, Suggestion

__all__ = ["LABELS", "KeyStore", "Pseudonymiser", "Replacement", "Suggestion", "apply", "suggest"]
