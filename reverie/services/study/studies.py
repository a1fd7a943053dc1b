"""Make, open and describe a study: the folder, its database, the researcher working on it."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from reverie.core.citation import CitationStyle
from reverie.core.errors import Conflict, InvalidInput, NotFound
from reverie.core.layout import LineLayout
from reverie.services.study.context import (
    DB_NAME,
    MANIFEST,
    Manifest,
    OpenStudy,
    connect,
    database_url,
    driver_url,
    keep_private,
    media_store,
    read_manifest,
    without_password,
)
from reverie.services.study.reading import citation_style, first_study  # noqa: F401  (plain SQL, named here too)
from reverie.store import migrate
from reverie.store.database import immediate_transactions
from reverie.store.files import private_file, private_folder, sweep_workdirs, write_file

if TYPE_CHECKING:
    from reverie.store.audit import ChainCheck
    from reverie.store.models import Study

# The ORM models and the audit module (built on them) are imported by the functions that write or
# verify: opening a study reads in plain SQL, so serving the first page does not load them.

_INITIALS = re.compile(r"^[A-Za-z][A-Za-z0-9.\-]{0,19}$")

# Fields of the study record that a researcher edits directly.
STUDY_FIELDS = (
    "title", "research_question", "objectives", "approaches", "paradigm", "setting", "sites",
    "sampling_strategy", "inclusion_criteria", "rounds_planned", "saturation_statement", "notation_profile",
    "ppi_plan", "retention",
)
# Study facts with no column of their own, kept in ``Study.settings["facts"]``: a fact absent there
# was never recorded, and the report says MISSING rather than guess.
FACT_FIELDS = ("design", "prior_relationship", "transcribed_by", "transcripts_returned", "themes_derivation",
               "page_size")
PAGE_SIZES = ("A4", "Letter")
TRANSCRIPTS_RETURNED = ("yes", "no")
THEMES_DERIVATION = ("derived from the data", "identified in advance", "both: identified in advance and derived "
                     "from the data")


@dataclass(frozen=True)
class Identity:
    """Who is working: recorded as the actor of audit events and the coder of codings."""

    name: str
    initials: str


def _check_identity(identity: Identity) -> Identity:
    if not _INITIALS.match(identity.initials or ""):
        raise InvalidInput(f"initials {identity.initials!r} must be letters or digits, like TM")
    return identity


def default_identity() -> Identity:
    import getpass

    user = getpass.getuser() or "researcher"
    initials = "".join(part[0] for part in re.split(r"[\W_]+", user) if part).upper()[:4] or "R"
    return Identity(name=user, initials=initials)


def init_study(root: Path | str, *, title: str = "", database: str | None = None,
               identity: Identity | None = None, creator=None, dbapi_module=None, manifest: Manifest | None = None,
               cipher=None, allow_files: set[str] = frozenset()) -> OpenStudy:
    """Create a study folder (``study.db`` or a server database, ``media/``, ``backups/``) and open it."""
    from reverie.store import audit
    from reverie.store.models import ResearcherProfile, Study

    root = Path(root)
    identity = _check_identity(identity or default_identity())
    if (root / MANIFEST).exists():
        raise Conflict(f"{root}: a study already exists here")
    if root.exists() and not root.is_dir():
        raise InvalidInput(f"{root}: exists and is not a folder")
    if root.exists() and any(p.name not in {".DS_Store", *allow_files} for p in root.iterdir()):
        raise Conflict(f"{root}: the folder is not empty; choose a new folder for the study")
    manifest = manifest or Manifest(database=without_password(database) if database else DB_NAME)
    # The URL as given (password included) reaches the database now; study.toml keeps it without one.
    url = driver_url(database) if database and "://" in database else database_url(root, manifest)
    for folder in (root, root / "media", root / "backups"):
        private_folder(folder)
    if url.startswith("sqlite"):
        private_file(root / manifest.database)
    if not url.startswith("sqlite"):
        # A team study's recordings are encrypted at rest too (AES-GCM with a random study key),
        # whose key lives outside the study folder; study.toml says where.
        from reverie.services.study.encryption import create_media_key, media_encryption, new_media_key_path

        media_key = new_media_key_path(root)
        create_media_key(media_key)
        cipher = media_encryption(media_key)
        manifest = replace(manifest, media_key=str(media_key))
    engine = connect(url, creator, dbapi_module)
    try:
        if not url.startswith("sqlite") and migrate.current_revision(engine) is not None:
            raise Conflict(f"{manifest.database}: this database already holds a study; use an empty database or schema")
        migrate.upgrade(engine)
    except OperationalError as exc:
        engine.dispose()
        raise InvalidInput(f"{manifest.database}: cannot reach the database ({exc.orig})") from exc
    write_file(root / MANIFEST, manifest.dump().encode("utf-8"))
    key = audit.create_key(root / audit.KEY_FILE)
    study = OpenStudy(root=root, url=url, engine=engine, study_id=0, actor=identity.initials,
                      media=media_store(root, cipher), manifest=manifest, _audit_key=key)
    with study._sessions() as session, session.begin():
        record = Study(
            title=title or root.name, created_by=identity.initials,
            citation_style=asdict(CitationStyle()), line_layout=asdict(LineLayout()),
            settings={"identity": {"name": identity.name, "initials": identity.initials}},
        )
        session.add(record)
        session.flush()
        session.add(ResearcherProfile(study_id=record.id, label=identity.initials, name=identity.name,
                                      roles=["interviewer", "transcriber", "analyst"], created_by=identity.initials))
        session.flush()
        audit.append(session, record.id, key=key, actor=identity.initials, os_user=study.os_user,
                     action="study.create", target=f"study:{record.id}",
                     payload={"title": record.title,
                              "database": "sqlite" if url.startswith("sqlite") else "postgresql"})
        study.study_id = record.id
    return study


def open_study(root: Path | str, *, passphrase: str | None = None, migrate_now: bool = True,
               read_only: bool = False) -> OpenStudy:
    """Open a study folder, running pending migrations (after backing up ``study.db``).

    An encrypted study needs its passphrase; a wrong one is refused here, before any read.
    ``read_only`` opens it to read without writing anything (see :mod:`.lifecycle`); otherwise
    what killed processes left (interrupted jobs, ``.part`` files) is swept.
    """
    if read_only:
        from reverie.services.study.lifecycle import open_read_only

        return open_read_only(root, passphrase=passphrase)
    root = Path(root)
    manifest = read_manifest(root)
    url = database_url(root, manifest)
    if url.startswith("sqlite") and not (root / manifest.database).is_file():
        raise InvalidInput(f"{root}: not a Reverie study ({manifest.database} is missing)")
    keep_private(root, manifest)
    sweep_workdirs()
    creator = dbapi_module = cipher = None
    if manifest.encrypted:
        from reverie.services.study.encryption import unlock

        unlocked = unlock(root, passphrase, rekey=True)
        creator, dbapi_module, cipher = unlocked.creator, unlocked.module, unlocked.cipher
    else:
        from reverie.services.study.encryption import study_media_cipher

        # A team study (and a SQLite study restored from one) keeps its media encrypted with a media key.
        cipher = study_media_cipher(root, manifest, url)
    engine = connect(url, creator, dbapi_module)
    try:
        if migrate_now:
            plain_sqlite = url.startswith("sqlite") and not manifest.encrypted
            migrate.ensure_current(engine, db_path=root / manifest.database if plain_sqlite else None,
                                   backups=root / "backups")
        with engine.connect() as connection:
            row = first_study(connection)
    except OperationalError as exc:
        engine.dispose()
        raise InvalidInput(f"{root}: cannot open the study database ({exc.orig})") from exc
    if row is None:
        engine.dispose()
        raise InvalidInput(f"{root}: the study database holds no study")
    study_id, settings = row
    identity = settings.get("identity", {})
    study = OpenStudy(root=root, url=url, engine=engine, study_id=study_id, actor=identity.get("initials", "R"),
                      media=media_store(root, cipher), manifest=manifest)
    if migrate_now:
        try:
            _reanchor_audit(study)
        except Exception:
            study.close()
            raise
    _recover_media(study)
    from reverie.services.study.lifecycle import sweep_leftovers

    sweep_leftovers(study)
    return study


def _reanchor_audit(study: OpenStudy) -> None:
    """Give a study made before audit keys its ``audit.key`` and sign its old chain under it, once.

    A chain that is already keyed is never given a new key, even when its key is gone (then
    writing and verifying fail, naming the missing file): a new key would let anyone who deleted
    the old one re-sign whatever they changed.
    """
    with study.read() as s:
        head = s.execute(text("SELECT keyed FROM audit_heads WHERE study_id = :id"), {"id": study.study_id}).first()
    if head is not None and head[0]:
        return  # keyed already: the common case, read without the audit module and its models
    from reverie.store import audit

    key_file = study.root / audit.KEY_FILE
    if head is None:  # no event yet (a study record made by hand): the first append signs with this key
        audit.create_key(key_file)
    else:
        with study._write_lock, immediate_transactions(), study._sessions() as session, session.begin():
            audit.reanchor(session, study.study_id, key_file, actor=study.actor, os_user=study.os_user)


def _recover_media(study: OpenStudy) -> None:
    """Finish or undo recordings a crash left half-stored (only when such files exist)."""
    if not study.media.has_staged():
        return
    from reverie.store.models import Recording

    with study.read() as s:
        referenced = set(s.execute(select(Recording.sha256)).scalars())
    study.media.recover(referenced)


def get_study(study: OpenStudy) -> Study:
    from reverie.store.models import Study

    with study.read() as session:
        record = session.get(Study, study.study_id)
        if record is None:
            raise NotFound("the study record is missing")
        session.expunge(record)
        return record


def update_study(study: OpenStudy, *, why: str = "", **fields: Any) -> Study:
    """Change study details (title, research question, approaches, …) and study facts.

    Besides the columns in ``STUDY_FIELDS`` it takes the facts in ``FACT_FIELDS`` (a blank value
    clears one: not recorded) and ``range_style``, the citation style's line-range style.
    """
    from reverie.store.models import Study

    unknown = set(fields) - {*STUDY_FIELDS, *FACT_FIELDS, "range_style"}
    if unknown:
        raise InvalidInput(f"unknown study field(s): {', '.join(sorted(unknown))}")
    _check_facts(fields)
    with study.write("study.update", target=f"study:{study.study_id}", why=why, payload={"fields": fields}) as s:
        record = s.get(Study, study.study_id)
        facts = dict((record.settings or {}).get("facts", {}))
        for key, value in fields.items():
            if key in FACT_FIELDS:
                text = str(value or "").strip()
                if text:
                    facts[key] = text
                else:
                    facts.pop(key, None)
            elif key == "range_style":
                style = CitationStyle(**{**(record.citation_style or {}), "range_style": value})
                record.citation_style = asdict(style)
            else:
                setattr(record, key, value)
        if set(fields) & set(FACT_FIELDS):
            record.settings = {**(record.settings or {}), "facts": facts}
    return get_study(study)


def _check_facts(fields: dict[str, Any]) -> None:
    choices = {"page_size": PAGE_SIZES, "transcripts_returned": TRANSCRIPTS_RETURNED,
               "themes_derivation": THEMES_DERIVATION}
    for key, allowed in choices.items():
        value = str(fields.get(key) or "").strip()
        if value and value not in allowed:
            what = key.replace("_", " ")
            raise InvalidInput(f"{what} {value!r} is not one of: {', '.join(allowed)}")
    if "range_style" in fields:
        CitationStyle(range_style=fields["range_style"])  # refuses an unknown range style, naming the choices


def study_fact_values(study: OpenStudy) -> dict[str, str]:
    """The recorded facts of ``FACT_FIELDS``; a fact nobody recorded is absent, never a default."""
    return dict((get_study(study).settings or {}).get("facts", {}))


def set_citation_style(study: OpenStudy, style: CitationStyle) -> None:
    from reverie.store.models import Study

    with study.write("study.citation_style", target=f"study:{study.study_id}", payload=asdict(style)) as s:
        s.get(Study, study.study_id).citation_style = asdict(style)


def set_line_layout(study: OpenStudy, layout: LineLayout) -> None:
    from reverie.store.models import Study

    with study.write("study.line_layout", target=f"study:{study.study_id}", payload=asdict(layout)) as s:
        s.get(Study, study.study_id).line_layout = asdict(layout)


def set_identity(study: OpenStudy, identity: Identity) -> None:
    """Change who is working; later events and codings carry the new initials."""
    from reverie.store.models import ResearcherProfile, Study

    identity = _check_identity(identity)
    with study.write("study.identity", target=f"study:{study.study_id}",
                     payload={"name": identity.name, "initials": identity.initials}) as s:
        record = s.get(Study, study.study_id)
        record.settings = {**(record.settings or {}),
                           "identity": {"name": identity.name, "initials": identity.initials}}
        exists = s.execute(select(ResearcherProfile).where(
            ResearcherProfile.study_id == study.study_id,
            ResearcherProfile.label == identity.initials)).scalar_one_or_none()
        if exists is None:
            s.add(ResearcherProfile(study_id=study.study_id, label=identity.initials, name=identity.name,
                                    roles=["analyst"], created_by=identity.initials))
    study.actor = identity.initials


def verify_audit(study: OpenStudy, anchor: Path | str | None = None) -> ChainCheck:
    """Check the audit chain under the study's key, and that it still passes through ``anchor``'s head."""
    from reverie.store import audit

    with study.read() as session:
        if anchor is None:
            return audit.verify(session, study.study_id, study.audit_key)
        seq, head_hash = read_anchor(anchor)
        return audit.check_anchor(session, study.study_id, study.audit_key, seq, head_hash,
                                  where=f"the anchor {anchor}")


@dataclass(frozen=True)
class AuditAnchor:
    """The head of the audit chain at one moment, to keep outside the study (a lab notebook, an ethics file)."""

    study: str
    seq: int
    hash: str
    at: str

    def dump(self) -> str:
        return json.dumps({"reverie_audit_anchor": 1, **asdict(self)}, indent=2) + "\n"


def anchor_audit(study: OpenStudy, output: Path | str | None = None) -> AuditAnchor:
    """The chain's head (sequence number, link, time), written to ``output`` when given.

    Refused when the chain does not verify: an anchor vouches for the chain it names.
    """
    check = verify_audit(study)
    if not check.ok:
        raise Conflict(f"the audit chain does not verify (event {check.first_bad_seq}: {check.reason}); "
                       "no anchor written")
    anchor = AuditAnchor(study=get_study(study).title, seq=check.head_seq, hash=check.head_hash,
                         at=datetime.now(UTC).isoformat(timespec="seconds"))
    if output is not None:
        write_file(Path(output), anchor.dump().encode("utf-8"), mode=0o644)
    return anchor


def read_anchor(path: Path | str) -> tuple[int, str]:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        seq, head_hash = int(data["seq"]), str(data["hash"])
    except FileNotFoundError:
        raise InvalidInput(f"{path}: no such anchor file") from None
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise InvalidInput(f"{path}: not an audit anchor written by `reverie audit anchor` ({exc})") from exc
    if seq < 1 or not re.fullmatch(r"[0-9a-f]{64}", head_hash):
        raise InvalidInput(f"{path}: not an audit anchor (sequence number or link out of range)")
    return seq, head_hash
