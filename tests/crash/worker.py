"""A process that performs one kind of operation over and over on a study, to be killed mid-way.

After each operation has committed it prints ``done <key>`` (flushed), so the parent knows
exactly which changes were reported committed when it sends SIGKILL.
"""

from __future__ import annotations

import sys
from pathlib import Path

from reverie.services.study import interviews, participants, studies
from reverie.services.transcripts import versions as transcripts
from tests.fixtures.audio import pcm_wav

TEXT = ("I: Can you tell me about a time when it mattered?\n"
        + "".join(f"P{{code}}: Line {i} of the answer, with milk and a café and i-i-it (laughs) all in it.\n"
                  for i in range(60)))


def _op_import(study, key: int, workdir: Path) -> str:
    code = f"P{key}"
    participants.add_participant(study, code)
    audio = workdir / f"{code}.wav"
    pcm_wav(audio, code.encode() * 4000)
    interviews.add_interview(study, code, 1, recording=audio)
    path = workdir / f"{code}.txt"
    path.write_text(TEXT.replace("{code}", str(key)), encoding="utf-8")
    transcripts.import_transcript(study, code, 1, path, layout="fixed-width")
    transcripts.lock_transcript(study, code, 1)
    return code


def _op_export(study, key: int, workdir: Path) -> str:
    target = workdir / f"export-{key}.docx"
    transcripts.export_transcript(study, "P0", 1, "docx", target)
    return str(target)


def _op_coding(study, key: int, workdir: Path) -> str:
    from reverie.services.analysis import coding

    if not any(code.label == "milk" for code in coding.list_codes(study)):
        coding.add_code(study, "milk", kind="discursive_object")
    applied = coding.apply_code(study, "milk", "P0", lines=(1 + key % 50, 2 + key % 50))
    return str(applied.id)


def _op_transcribe(study, key: int, workdir: Path) -> str:
    from reverie.services.transcripts.transcription import transcribe_interview
    from reverie.services.transcripts.versions import version_info

    status = transcribe_interview(study, "S1", 1, replace=True, prosody=key % 2 == 0)
    if status.state != "done":
        raise RuntimeError(status.error)
    return str(version_info(study, "S1", 1).number)


OPERATIONS = {"import": _op_import, "export": _op_export, "coding": _op_coding, "transcribe": _op_transcribe}


def main() -> None:
    op, root, start = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    workdir = Path(sys.argv[4])
    limit = int(sys.argv[5]) if len(sys.argv) > 5 else None  # run until killed when not given
    study = studies.open_study(root)
    key = start
    while limit is None or key < start + limit:
        done = OPERATIONS[op](study, key, workdir)
        print(f"done {done}", flush=True)
        key += 1


if __name__ == "__main__":
    main()
