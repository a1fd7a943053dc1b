"""The analysis: the codebook and coding (:mod:`.coding`), the reflexive log (:mod:`.reflexivity`),
extracts and their status (:mod:`.extracts`), analysis memos (:mod:`.memos`), themes
(:mod:`.themes`), analytic decisions and evidence (:mod:`.decisions`) and each extract's whole
life (:mod:`.provenance`)."""
