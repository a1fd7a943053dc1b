"""What leaves the study: reports and checklists (:mod:`.reports`), and REFI-QDA exchange with other
tools (:mod:`.refi_export`, :mod:`.refi_import`)."""
