"""All tables of a study database; importing this package registers them on ``Base.metadata``."""

from reverie.store.models.analysis import (
    Code,
    Coding,
    Decision,
    Extract,
    ExtractObject,
    ExtractStatusChange,
    LogAnchor,
    Memo,
    MemoVersion,
    ReflexiveEntry,
    Theme,
)
from reverie.store.models.base import Base, utcnow
from reverie.store.models.involvement import (
    Consultation,
    ConsultationMaterial,
    PPIGroup,
    Response,
)
from reverie.store.models.study import (
    ConsentRecord,
    EthicsApproval,
    Interview,
    InterviewSchedule,
    Participant,
    PenPortrait,
    Recording,
    RecruitmentRecord,
    ResearcherProfile,
    ResponseNote,
    ScheduleItem,
    Study,
)
from reverie.store.models.system import (
    AuditEvent,
    AuditHead,
    AuditWords,
    Job,
    JobChunk,
    Membership,
    Report,
    User,
)
from reverie.store.models.transcripts import (
    Annotation,
    LineMap,
    Redaction,
    SpeakerTurn,
    Transcript,
    TranscriptLine,
    TranscriptVersion,
    Word,
)

__all__ = [
    "Annotation", "AuditEvent", "AuditHead", "AuditWords", "Base", "Code", "Coding", "ConsentRecord", "Consultation",
    "ConsultationMaterial", "Decision", "EthicsApproval", "Extract", "ExtractObject", "ExtractStatusChange",
    "Interview", "InterviewSchedule", "Job", "JobChunk", "LineMap", "LogAnchor", "Membership", "Memo",
    "MemoVersion", "PPIGroup", "Participant", "PenPortrait", "Recording", "RecruitmentRecord", "Redaction",
    "ReflexiveEntry", "Report", "ResearcherProfile", "Response", "ResponseNote", "ScheduleItem",
    "SpeakerTurn", "Study", "Theme", "Transcript", "TranscriptLine", "TranscriptVersion", "User", "Word",
    "utcnow",
]
