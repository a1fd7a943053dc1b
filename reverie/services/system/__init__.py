"""What runs the study: jobs and their queues (:mod:`.jobs`), the audit log (:mod:`.auditing`),
server and worker settings (:mod:`.config`) and team members with their roles (:mod:`.members`)."""
