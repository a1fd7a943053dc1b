"""Local transcription with faster-whisper that keeps words' times, pauses and speakers.

The pipeline decodes the recording once, runs the Silero VAD once (its regions give the chunk
cuts, the pauses and the diarisation windows), recognises chunk by chunk with one model
instance, then gives words to speakers. Services that run long recordings as jobs use the steps
separately: :func:`prepare`, :func:`recognise_chunk` for each chunk of ``plan.chunks`` (storing
each :class:`ChunkResult`), then :func:`build_result`. :func:`transcribe` does all of it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, wait
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from reverie.core.errors import InvalidInput
from reverie.core.transcript import ParsedTranscript, Turn, Word
from reverie.speech import audio as audio_io
from reverie.speech.blas import one_blas_thread
from reverie.speech.chunks import Chunk, ChunkPlan, ChunkResult, merge_words
from reverie.speech.diarise import (
    AUTO,
    Diariser,
    build_turns,
    diariser_named,
    parse_speakers,
    share_warnings,
    speaker_labels,
    speaker_of,
)
from reverie.speech.models import DEFAULT_MODEL, resolve_model
from reverie.speech.offline import keep_offline, let_idle_threads_sleep, load_onnxruntime
from reverie.speech.pauses import (
    Pause,
    SpeechRegion,
    pauses_between,
    recover_soft_onsets,
    shared_vad,
    speech_regions,
)

if TYPE_CHECKING:
    import numpy as np

keep_offline()  # before faster_whisper, and the onnxruntime and hub under it, can be imported
let_idle_threads_sleep()

Progress = Callable[[float, float], None]

# noScribe's approach: Whisper copies the style of its prompt, so a disfluent prompt makes it
# keep more fillers, repeats and cut-off words instead of tidying them away (NOTES section 4).
VERBATIM_PROMPT = "Umm, so, I- I mean, you know, it's- it's like, uh, hard to say."
MIN_PAUSE = 0.2
DEFAULT_GPU_BATCH = 8


@dataclass(frozen=True)
class RecognitionOptions:
    """How to run the recogniser; invalid values are refused with a message for the user."""

    language: str | None = "en"
    verbatim: bool = False
    device: str = "cpu"
    batch_size: int | None = None
    chunk_seconds: float = 240
    cpu_threads: int = 2

    def __post_init__(self) -> None:
        if self.device not in ("cpu", "cuda"):
            raise InvalidInput(f"device must be 'cpu' or 'cuda', not {self.device!r}.")
        if self.batch_size is not None:
            try:
                object.__setattr__(self, "batch_size", int(self.batch_size))
            except (TypeError, ValueError) as error:
                raise InvalidInput(f"--batch-size must be a whole number, not {self.batch_size!r}.") from error
            if self.batch_size < 1:
                raise InvalidInput(f"--batch-size must be 1 or more, not {self.batch_size}.")
        if self.chunk_seconds < 30:
            raise InvalidInput("chunks must be at least 30 s long (Whisper reads 30 s windows).")
        if self.cpu_threads < 1:
            raise InvalidInput("cpu_threads must be 1 or more.")

    @property
    def compute_type(self) -> str:
        return "float16" if self.device == "cuda" else "int8"

    @property
    def effective_batch_size(self) -> int | None:
        """The batch for faster-whisper's batched pipeline, or None for its sequential one."""
        if self.batch_size is None and self.device == "cuda":
            return DEFAULT_GPU_BATCH
        return self.batch_size


@lru_cache(maxsize=2)
def _cached_whisper(model_dir: str, device: str, compute_type: str, cpu_threads: int):
    from faster_whisper import WhisperModel

    load_onnxruntime()  # its VAD filter runs on onnxruntime, here perhaps in a worker that ran no VAD yet
    return WhisperModel(model_dir, device=device, compute_type=compute_type, cpu_threads=cpu_threads)


_load_lock = threading.Lock()


def _load_whisper(model_dir: str, device: str, compute_type: str, cpu_threads: int):
    """One model instance per directory and device, reused across chunks and files.

    Loads one at a time, so a caller arriving while :func:`preload` is loading the same model
    waits for that instance instead of loading a second one.
    """
    with _load_lock:
        return _cached_whisper(model_dir, device, compute_type, cpu_threads)


def preload(model: str | Path | None = None, options: RecognitionOptions | None = None) -> threading.Thread:
    """Start loading the Whisper model on a thread of its own; the recogniser made later reuses it.

    Why: loading takes about a second (reading the weights, the tokenizer), mostly outside the
    GIL, while a transcription first imports the study's storage and decodes the recording and
    finds its speech: done side by side, the load costs next to nothing. A model that fails to
    load here is left to fail again, with its message, when the recogniser is made.
    """
    opts = options or RecognitionOptions()

    def load() -> None:
        try:
            _load_whisper(str(resolve_model(model)), opts.device, opts.compute_type, opts.cpu_threads)
            shared_vad()  # and the voice detector's session, which the recording meets first
        except Exception:  # reported by the Recogniser (or the VAD) that needs it
            pass

    # Not a daemon: a process that ends meanwhile waits for the load instead of tearing the
    # libraries down under it.
    thread = threading.Thread(target=load, name="reverie-model-load")
    thread.start()
    return thread


class Recogniser:
    """A loaded Whisper model with the options to run it."""

    def __init__(self, model: str | Path | None = None, options: RecognitionOptions | None = None) -> None:
        self.options = options or RecognitionOptions()
        self.model_dir = resolve_model(model)
        if model is None:
            self.model_name = DEFAULT_MODEL
        else:
            self.model_name = Path(model).name if Path(model).is_dir() else str(model)
        opts = self.options
        self.whisper = _load_whisper(str(self.model_dir), opts.device, opts.compute_type, opts.cpu_threads)
        if not self.whisper.model.is_multilingual and opts.language not in (None, "en"):
            raise InvalidInput(f"The model {self.model_name} is English-only; it cannot transcribe {opts.language!r}.")

    def segments(self, samples: np.ndarray):
        """faster-whisper's segment generator and info for some samples, sequential or batched."""
        opts = self.options
        kwargs = dict(
            language=opts.language,
            word_timestamps=True,
            vad_filter=True,
            initial_prompt=VERBATIM_PROMPT if opts.verbatim else None,
        )
        batch = opts.effective_batch_size
        if batch is not None:
            from faster_whisper import BatchedInferencePipeline

            return BatchedInferencePipeline(self.whisper).transcribe(samples, batch_size=batch, **kwargs)
        return self.whisper.transcribe(samples, **kwargs)


def recognise_chunk(recogniser: Recogniser, samples: np.ndarray, chunk: Chunk,
                    progress: Progress | None = None, total: float | None = None) -> ChunkResult:
    """Recognise one chunk of the recording; word times come back relative to the whole file.

    The chunk is heard with some seconds of the recording either side (:meth:`Chunk.window`), so
    a phrase at its edge has context; :func:`build_result` keeps each word once.
    """
    with one_blas_thread():  # the same features, and so the same word times, whatever runs beside it
        return _recognise_chunk(recogniser, samples, chunk, progress, total)


def _recognise_chunk(recogniser: Recogniser, samples: np.ndarray, chunk: Chunk,
                     progress: Progress | None, total: float | None) -> ChunkResult:
    began = time.perf_counter()
    window_start, window_end = chunk.window(len(samples) / audio_io.SAMPLE_RATE)
    first, last = int(window_start * audio_io.SAMPLE_RATE), int(window_end * audio_io.SAMPLE_RATE)
    segments, info = recogniser.segments(samples[first:last])
    words: list[Word] = []
    for segment in segments:
        for word in segment.words or ():
            text = word.word.strip()
            if text:
                words.append(Word(text, round(window_start + word.start, 3), round(window_start + word.end, 3),
                                  round(word.probability, 4)))
        if progress is not None:
            progress(max(chunk.start, min(window_start + segment.end, chunk.end)), total or chunk.end)
    words += _missed_words(recogniser, samples, chunk, window_start, samples[first:last], words)
    words.sort(key=lambda word: (word.start, word.end))
    return ChunkResult(chunk.index, chunk.start, chunk.end, words, info.language,
                       round(time.perf_counter() - began, 3))


MISSED_SPEECH_S = 2.0  # this much speech with no word on it is recognised again on its own


def _missed_words(recogniser: Recogniser, samples: np.ndarray, chunk: Chunk, window_start: float,
                  window: np.ndarray, words: list[Word]) -> list[Word]:
    """Words of speech Whisper skipped in the chunk's own stretch, recognised again stretch by stretch.

    Why: Whisper now and then jumps over a sentence or more (its 30 s windows seek past a
    segment it decoded as one timestamp), on repeated phrases especially; the voice detector
    still hears speech there. Each such stretch is decoded again on its own.
    """
    sr = audio_io.SAMPLE_RATE
    missed: list[list[float]] = []
    for region in speech_regions(window, sr):
        start, end = window_start + region.start, window_start + region.end
        if not chunk.start <= (start + end) / 2 < chunk.end:
            continue
        if any(word.start < end and word.end > start for word in words):
            continue
        if missed and start - missed[-1][1] < 1.0:
            missed[-1][1] = end
        else:
            missed.append([start, end])
    found: list[Word] = []
    for start, end in missed:
        if end - start < MISSED_SPEECH_S:
            continue
        a, b = max(0.0, start - 0.3), min(len(samples) / sr, end + 0.3)
        segments, _ = recogniser.segments(samples[int(a * sr):int(b * sr)])
        for segment in segments:
            for word in segment.words or ():
                text = word.word.strip()
                if text:
                    found.append(Word(text, round(a + word.start, 3), round(a + word.end, 3),
                                      round(word.probability, 4)))
    return found


@dataclass
class Prepared:
    """A decoded recording with its speech regions and chunk plan, ready for recognition."""

    audio: audio_io.Audio
    regions: list[SpeechRegion]
    plan: ChunkPlan
    diariser: Diariser | None = None  # set by diarise_ahead; build_result uses it when given none
    ahead: dict[str, Future] = field(default_factory=dict)  # work run beside recognition, by name
    # Set by recognise_ahead: the chunks being recognised before a job asks, by chunk, and with what.
    recognised: dict[Chunk, AheadChunk] = field(default_factory=dict)
    recognised_with: tuple[str, RecognitionOptions] | None = None


@dataclass
class AheadChunk:
    """A chunk :func:`recognise_ahead` is recognising: its result to come, and how far it has got."""

    result: Future = field(default_factory=Future)
    reached: float = 0.0  # seconds into the recording


def run_beside(prepared: Prepared, name: str, work: Callable[[], object]) -> Future:
    """Run ``work`` on a thread beside recognition, after the work given before it; its result
    is ``prepared.ahead[name]``.

    Why one after another: each piece wants the core the recogniser leaves idle, not both cores
    at once. The threads are daemons: a failed transcription's process need not wait for
    results nobody will use.
    """
    before = list(prepared.ahead.values())
    future: Future = Future()
    prepared.ahead[name] = future

    def run() -> None:
        wait(before)
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(work())
        except BaseException as error:  # handed to whoever asks for the result
            future.set_exception(error)

    threading.Thread(target=run, name=f"reverie-{name}-ahead", daemon=True).start()
    return future


def recognise_ahead(prepared: Prepared, model: str | Path | None, options: RecognitionOptions, *,
                    announced: Callable[[], None] | None = None) -> None:
    """Recognise every chunk of ``prepared`` in order, on this thread, before any job asks for one.

    Why: ``reverie transcribe`` spends its first second importing the study's storage and
    opening the study, none of which recognition needs; started from the recording's file, the
    words are coming while that happens. A job then takes each chunk's result from
    :func:`recognised_ahead` instead of recognising it again. The chunks are announced before
    the first is recognised (then ``announced`` is called), so a job never starts a second
    recognition of one of them.
    """
    prepared.recognised = {chunk: AheadChunk() for chunk in prepared.plan.chunks}
    prepared.recognised_with = (str(resolve_model(model)), options)
    if announced is not None:
        announced()
    for chunk in prepared.plan.chunks:
        slot = prepared.recognised[chunk]
        try:
            recogniser = Recogniser(model, options)
            result = recognise_chunk(recogniser, prepared.audio.samples, chunk,
                                     lambda at, _total, slot=slot: setattr(slot, "reached", at), chunk.end)
        except BaseException as error:  # the job asking for this chunk raises it, as it would have
            slot.result.set_exception(error)
        else:
            slot.result.set_result(result)


def recognised_ahead(prepared: Prepared, model: str | Path | None, options: RecognitionOptions, chunk: Chunk,
                     progress: Progress | None = None) -> ChunkResult | None:
    """The chunk's result from :func:`recognise_ahead` with this model and these options (waited
    for, reporting ``progress`` meanwhile), or None when it is not being recognised ahead."""
    from concurrent.futures import TimeoutError as Pending

    slot = prepared.recognised.get(chunk)
    if slot is None or prepared.recognised_with != (str(resolve_model(model)), options):
        return None
    while True:
        try:
            return slot.result.result(timeout=PROGRESS_WAIT_S)
        except Pending:
            if progress is not None:
                progress(slot.reached, chunk.end)


PROGRESS_WAIT_S = 0.25  # how often a job waiting for a chunk recognised ahead reports its progress


def _diarises(decoded: audio_io.Audio, speakers: int | None, split_channels: bool | None) -> bool:
    """Whether build_result will run a diariser: not for one speaker, nor for one voice per channel."""
    channels = decoded.channels
    if channels is not None and (
        split_channels if split_channels is not None else audio_io.channels_are_separated(*channels)
    ):
        return False
    return speakers is None or speakers >= 2


def diarise_ahead(prepared: Prepared, speakers: int | str | None = AUTO, *, split_channels: bool | None = None,
                  diariser: Diariser | str | None = None) -> None:
    """Start the diariser's heavy part on a thread now, to run beside recognition.

    Why: diarisation needs only the samples and the speech regions, and on two cores the
    recogniser leaves one idle much of the time, so by the time the words are in, the voices
    are embedded. A diariser offers this by having an ``embed_ahead(samples, regions)`` method;
    :func:`build_result` then uses ``prepared.diariser``, whose ``diarise`` gives the same answer
    as without the head start. Nothing happens when the result needs no diariser.
    """
    if not _diarises(prepared.audio, parse_speakers(speakers), split_channels):
        return
    if diariser is None or isinstance(diariser, str):
        diariser = diariser_named(diariser)
    prepared.diariser = diariser
    ahead = getattr(diariser, "embed_ahead", None)
    if callable(ahead):  # what fails here fails again, and is reported, in diarise()
        run_beside(prepared, "voices", lambda: ahead(prepared.audio.samples, prepared.regions))


def prepare(audio_path: str | Path, chunk_seconds: float = 240) -> Prepared:
    """Decode, find speech and plan the chunks; raise InvalidInput when there is no speech."""
    decoded = audio_io.load_audio(audio_path)
    regions = speech_regions(decoded.samples, min_silence_ms=int(MIN_PAUSE * 1000))
    if not regions:
        raise InvalidInput(f"{decoded.path}: no speech found in the recording.")
    return Prepared(decoded, regions, ChunkPlan.for_recording(decoded.duration, regions, chunk_seconds))


@dataclass
class SpeechResult:
    """A recognised interview: speaker turns with timed words, and pauses kept apart from the text.

    Turn texts are plain words. Pauses are returned with their times so the service can render
    them in the study's notation (``(1.5)``, dots, none) and attach prosodic measures to lines.
    """

    turns: list[Turn]
    pauses: list[Pause]
    chunks: list[ChunkResult]
    regions: list[SpeechRegion]
    model: str
    language: str
    duration: float
    source_name: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def words(self) -> list[Word]:
        return [word for turn in self.turns for word in turn.words]

    def to_parsed_transcript(self) -> ParsedTranscript:
        return ParsedTranscript(list(self.turns), self.source_name, list(self.warnings))


def clip_to_regions(words: list[Word], regions: list[SpeechRegion]) -> list[Word]:
    """Trim each word to the speech region that holds most of it.

    Why: Whisper stretches words over silences (a word given 2 s that swallows a 1.8 s pause),
    which would put pauses inside words and words on the wrong side of a turn change.
    """
    import bisect

    starts = [region.start for region in regions]
    clipped = []
    for word in words:
        first = max(0, bisect.bisect_right(starts, word.start) - 1)
        best, best_overlap = None, 0.0
        for region in regions[first:]:
            if region.start >= word.end:
                break
            overlap = min(word.end, region.end) - max(word.start, region.start)
            if overlap > best_overlap:
                best, best_overlap = region, overlap
        if best is None:
            clipped.append(word)
        else:
            clipped.append(Word(word.text, max(word.start, best.start), min(word.end, best.end), word.probability))
    return clipped


def build_result(prepared: Prepared, chunk_results: list[ChunkResult], model_name: str, *,
                 speakers: int | str | None = AUTO, participant: str = "P", split_channels: bool | None = None,
                 diariser: Diariser | str | None = None) -> SpeechResult:
    """Join recognised chunks, give words to speakers and build turns, pauses and warnings.

    ``speakers`` is a number, or ``"auto"`` to let the diariser tell one voice from several: a lone
    voice is labelled with the participant's code, two are ``I`` and the participant, and more
    add ``S3``, ``S4``, .... ``diariser`` is a diariser, or the name of one a plugin offers
    (default: the built-in one).
    """
    speakers = parse_speakers(speakers)
    decoded = prepared.audio
    ordered = sorted(chunk_results, key=lambda result: result.index)
    recognised = merge_words(ordered)
    regions = recover_soft_onsets(decoded.samples, prepared.regions, [word.start for word in recognised])
    words = clip_to_regions(recognised, regions)
    if not words:
        raise InvalidInput(f"{decoded.path}: no speech found in the recording.")
    labels = speaker_labels(2, participant)
    warnings: list[str] = []
    channels = decoded.channels
    use_channels = channels is not None and (
        split_channels if split_channels is not None else audio_io.channels_are_separated(*channels)
    )
    if split_channels and channels is None:
        warnings.append("The recording is mono, so speakers could not be taken from its channels.")
    if use_channels:
        per_word = [audio_io.channel_of(*channels, word.start, word.end) for word in words]
        # The channel heard first is the interviewer, as with diarisation.
        interviewer = per_word[0]
        assigned = [labels[0] if channel == interviewer else labels[1] for channel in per_word]
    elif speakers is None or speakers >= 2:
        if diariser is None:
            diariser = prepared.diariser
        if diariser is None or isinstance(diariser, str):
            diariser = diariser_named(diariser)
        segments = diariser.diarise(decoded.samples, regions, speakers)
        heard = max((segment.speaker for segment in segments), default=0) + 1
        labels = speaker_labels(max(heard, speakers or 1), participant)
        assigned = [labels[speaker_of(word, segments)] for word in words]
        if len(labels) > 1:
            warnings.extend(share_warnings(segments, labels))
    else:
        assigned = [participant] * len(words)
    languages = [result.language for result in ordered if result.language]
    return SpeechResult(
        turns=build_turns(words, assigned),
        pauses=pauses_between(regions, MIN_PAUSE),
        chunks=ordered,
        regions=regions,
        model=model_name,
        language=max(set(languages), key=languages.count) if languages else "",
        duration=decoded.duration,
        source_name=decoded.path.name,
        warnings=warnings,
    )


def transcribe(audio_path: str | Path, *, model: str | Path | None = None, language: str | None = "en",
               verbatim: bool = False, device: str = "cpu", batch_size: int | None = None,
               chunk_seconds: float = 240, progress: Progress | None = None,
               done_chunks: dict[int, ChunkResult] | None = None, speakers: int | str | None = AUTO,
               participant: str = "P", split_channels: bool | None = None,
               diariser: Diariser | str | None = None, cpu_threads: int = 2) -> SpeechResult:
    """Transcribe a recording into speaker turns with timed words, pauses and warnings.

    ``done_chunks`` maps chunk index to results already stored; those chunks are skipped and
    each newly recognised chunk is added to it as soon as it is done, so after a failure the
    caller retries with the same dict and only the missing chunks run again.
    """
    options = RecognitionOptions(language, verbatim, device, batch_size, chunk_seconds, cpu_threads)
    prepared = prepare(audio_path, options.chunk_seconds)
    diarise_ahead(prepared, speakers, split_channels=split_channels, diariser=diariser)
    recogniser = Recogniser(model, options)
    done = done_chunks if done_chunks is not None else {}
    total = prepared.audio.duration
    for chunk in prepared.plan.chunks:
        stored = done.get(chunk.index)
        if stored is None or (stored.start, stored.end) != (chunk.start, chunk.end):
            done[chunk.index] = recognise_chunk(recogniser, prepared.audio.samples, chunk, progress, total)
        if progress is not None:
            progress(chunk.end, total)
    results = [done[chunk.index] for chunk in prepared.plan.chunks]
    return build_result(prepared, results, recogniser.model_name, speakers=speakers,
                        participant=participant, split_channels=split_channels,
                        diariser=prepared.diariser or diariser)
