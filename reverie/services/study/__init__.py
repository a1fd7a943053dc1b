"""A study and the people in it: creating and opening studies (:mod:`.studies`, :mod:`.context`),
participants and consent (:mod:`.participants`), interviews, schedules and recordings
(:mod:`.interviews`), encryption at rest (:mod:`.encryption`), backup and restore
(:mod:`.backup`) and retention (:mod:`.retention`)."""
