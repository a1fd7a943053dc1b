"""Taking the analysis back to participants and PPI groups: consultations, responses and
dispositions (:mod:`.consultations`), review packets (:mod:`.packets`) and the review portal
that participant reviewers and PPI members answer through (:mod:`.portal`)."""
