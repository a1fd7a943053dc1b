"""A process that performs one kind of operation over and over on a study, to be killed mid-way.

After each operation has committed it prints ``done <key>`` (flushed), so the parent knows
exactly which changes were reported committed when it sends SIGKILL.
"""

from __future__ import annotations

import sys
from pathlib import Path

from reverie.services import interviews, participants, studies, transcripts

TEXT = ("I: Can you tell me about a time when it mattered?\n"
        + "".join(f"P{{code}}: Line {i} of the answer, with milk and a café and i-i-it (laughs) all in it.\n"
                  for i in range(60)))


def _op_import(study, key: int, workdir: Path) -> str:
    code = f"P{key}"
    participants.add_participant(study, code)
    audio = workdir / f"{code}.wav"
    audio.write_bytes(b"RIFF" + code.encode() * 4000)
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
    from reverie.services import coding

    code_id = coding_code(study)
    applied = coding.apply_code(study, code_id, "P0", 1, lines=(1 + key % 50, 2 + key % 50))
    return str(applied.id)


def coding_code(study):
    from reverie.services import coding

    for code in coding.list_codes(study):
        if code.label == "milk":
            return code.id
    return coding.add_code(study, "milk", kind="discursive_object").id


OPERATIONS = {"import": _op_import, "export": _op_export, "coding": _op_coding}


def main() -> None:
    op, root, start = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    workdir = Path(sys.argv[4])
    study = studies.open_study(root)
    key = start
    while True:
        done = OPERATIONS[op](study, key, workdir)
        print(f"done {done}", flush=True)
        key += 1


if __name__ == "__main__":
    main()
