"""The live pipeline: a capture thread → one-slot mailbox per model ("lane") → an inference
worker per lane → one-slot "latest result" per lane that a display polls at screen rate.

Nothing queues: a frame the worker has not taken yet is replaced by the next one and counted
as dropped, so memory is flat however slow the model. A runner with a separate preprocess stage
(`prepare` / `run_prepared`, e.g. the detectors) gets it done in the capture thread for the frame
its worker takes next (one put into an empty slot): a bounded one-frame prefetch that takes
capture and preprocessing off the worker's path. At pace max the capture reads the next frame
as soon as it has handed over the last, so the read overlaps the network, then waits while
such a lane's network runs (the worker holds its mailbox until `network_done`) and
preprocesses beside the postprocessing and drawing: on 2 cores a read beside the network cost
it less than the read had cost between two networks (interleaved A/B, bench.live: 1.12-1.15
against 1.18-1.21 per frame over the bare network), while preprocessing beside it cost more.

Per lane, exactly (see engine.video.mailbox):

    captured == inferred + failed + dropped + in_flight,   in_flight ∈ {0, 1, 2}

(one frame waiting in the lane's slot, one in the worker); after `stop()` in_flight is 0. Two
lanes see the very same frames (same ids). Faults (source ended, source error, no frame for
`stall_s`, a runner raising) become a status the display shows; no thread dies with an exception.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from engine.errors import InvalidInput
from engine.tasks.base import TaskRunner
from engine.threads import opencv_threads
from engine.video.lanes import Frame, Job, Lane, LiveResult, Run
from engine.video.recording import FrameWriter, Recorder
from engine.video.sources import FrameSource
from engine.video.stats import STAGES, LaneState, LaneStatus, LiveState, LiveStatus

PACES = ("live", "max")  # live: the source's own rate, drops when slow; max: next frame when every lane took the last


class LivePipeline:
    """Runs one or more TaskRunners (lanes) on frames from a FrameSource. Thread-safe methods;
    the display calls `latest()` / `status()` from its own (UI) thread at its own rate."""

    def __init__(self, runners: Sequence[TaskRunner], *, stall_s: float = 3.0, window: int = 60):
        if not runners:
            raise InvalidInput("a live pipeline needs at least one model")
        self._runners = list(runners)
        self._display: list[dict[str, Any]] = [{} for _ in self._runners]
        self.stall_s, self.window = stall_s, window
        self._lock = threading.Lock()
        self._run: Run | None = None
        self._recorder = Recorder()

    # -- control ---------------------------------------------------------------------------
    def start(self, source: FrameSource, pace: str = "live") -> None:
        """Start on an opened source (open it off the UI thread: cameras take a while). The
        pipeline owns the source from now on and closes it when the run ends."""
        if pace not in PACES:
            raise InvalidInput(f"unknown pace {pace!r}; valid: {', '.join(PACES)}")
        if self.running:
            raise InvalidInput("the live pipeline is already running; stop it first")
        run = Run(source, len(self._runners), pace, self.window)
        run.threads = [threading.Thread(target=self._capture, args=(run,), name="live-capture", daemon=True)]
        run.threads += [threading.Thread(target=self._work, args=(run, lane), name=f"live-lane{lane.index}",
                                         daemon=True) for lane in run.lanes]
        run.cleanup.enter_context(opencv_threads(1))  # OpenCV on the stage threads only (engine.threads)
        with self._lock:
            self._run = run
        for thread in run.threads:
            thread.start()

    def stop(self, timeout: float = 1.0) -> bool:
        """Stop and join every thread within `timeout` s; True when all ended. A model slower
        than that finishes its frame in the background and its result is discarded."""
        run = self._run
        if run is None:
            return True
        deadline = time.monotonic() + timeout
        run.stop.set()
        for lane in run.lanes:
            lane.inbox.close()
        if run.source.close_unblocks:
            run.source.close()
        for thread in run.threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        run.cleanup.close()
        with run.lock:
            if run.state == LiveState.RUNNING:
                run.state, run.message = LiveState.STOPPED, ""
        self.stop_recording()
        return not any(t.is_alive() for t in run.threads)

    @property
    def running(self) -> bool:
        run = self._run
        return run is not None and not run.stop.is_set()

    def set_runner(self, lane: int, runner: TaskRunner) -> None:
        """Swap a lane's model, running or not; its next frame uses the new one."""
        self._check_lane(lane)
        with self._lock:
            self._runners[lane] = runner
        if self._run is not None:
            self._run.lanes[lane].reset_stats()

    def set_runners(self, runners: Sequence[TaskRunner]) -> None:
        """Change the number of lanes (while stopped)."""
        if self.running:
            raise InvalidInput("stop the live pipeline before changing how many models it runs")
        if not runners:
            raise InvalidInput("a live pipeline needs at least one model")
        with self._lock:
            self._runners, self._display, self._run = list(runners), [{} for _ in runners], None

    def set_display(self, lane: int, **display: Any) -> None:
        """Display options passed to the lane's runner.draw (threshold, opacity...)."""
        self._check_lane(lane)
        with self._lock:
            self._display[lane] = dict(display)

    # -- what the display reads ------------------------------------------------------------
    def latest(self, lane: int = 0) -> LiveResult | None:
        self._check_lane(lane)
        run = self._run
        return None if run is None else run.lanes[lane].results.peek()[1]

    def snapshot(self, lane: int = 0) -> np.ndarray | None:
        """A copy of the lane's newest annotated frame (None before the first result)."""
        result = self.latest(lane)
        return None if result is None else result.annotated.copy()

    def redraw(self, lane: int = 0, **display: Any) -> np.ndarray | None:
        """The newest result drawn again with other display options: sliders act at once, even
        when paused or when the model is slow."""
        result = self.latest(lane)
        if result is None:
            return None
        with self._lock:
            runner = self._runners[lane]
        if runner.model != result.model:
            return result.annotated.copy()
        return runner.draw(result.frame.image, result.result, **display)

    def status(self) -> LiveStatus:
        run = self._run
        with self._lock:
            runners = list(self._runners)
        if run is None:
            lanes = tuple(LaneStatus(lane=i, model=r.model, task=r.task, untrained=r.untrained, state=LaneState.IDLE,
                                     message="", fps=0.0, mean_fps=0.0, captured=0, inferred=0, dropped=0, failed=0,
                                     in_flight=0, stages_ms={s: 0.0 for s in STAGES}, frame_ms=0.0)
                          for i, r in enumerate(runners))
            return LiveStatus(state=LiveState.IDLE, message="", source="", captured=0, capture_fps=0.0, lanes=lanes,
                              recording=False)
        now = time.monotonic()
        with run.lock:
            state, message, captured = run.state, run.message, run.captured
            times = list(run.capture_times)
            silent = now - run.last_frame
        if state == LiveState.RUNNING and silent > self.stall_s:
            state = LiveState.STALLED
            message = (f"no frame from {run.source.name} for {silent:.1f} s" if captured
                       else f"no frame from {run.source.name} yet after {silent:.1f} s")
        elif state == LiveState.RUNNING and captured == 0:
            state, message = LiveState.WAITING, f"waiting for the first frame from {run.source.name}"
        capture_fps = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 and times[-1] > times[0] else 0.0
        lanes = tuple(self._lane_status(lane, runners[lane.index]) for lane in run.lanes)
        return LiveStatus(state=state, message=message, source=run.source.name, captured=captured,
                          capture_fps=capture_fps, lanes=lanes, recording=self.recording)

    def _lane_status(self, lane: Lane, runner: TaskRunner) -> LaneStatus:
        with lane.lock:  # the worker updates failed, done and the rolling stats under this lock
            box, rolling, failed, error = lane.inbox.stats(), lane.rolling, lane.failed, lane.error
            stages, frame_ms = {s: rolling.median(s) for s in STAGES}, rolling.median("frame")
            fps, mean_fps = rolling.fps(), rolling.mean_fps()
        return LaneStatus(lane=lane.index, model=runner.model, task=runner.task, untrained=runner.untrained,
                          state=LaneState.ERROR if error else LaneState.RUNNING, message=error, fps=fps,
                          mean_fps=mean_fps, captured=box.put, inferred=box.done - failed, dropped=box.dropped,
                          failed=failed, in_flight=box.pending + box.in_progress, stages_ms=stages, frame_ms=frame_ms)

    def wait(self, inferred: int | None = None, seconds: float | None = None, lane: int = 0,
             poll_s: float = 0.02) -> LiveStatus:
        """Block until `lane` inferred `inferred` frames, `seconds` passed, the source stalled, or
        it ended or failed and every lane is idle. For the headless CLI, benchmarks and tests."""
        deadline = None if seconds is None else time.monotonic() + seconds
        while True:
            status = self.status()
            done = inferred is not None and status.lanes[lane].inferred >= inferred
            if done or status.state == LiveState.STALLED or (deadline is not None and time.monotonic() >= deadline):
                return status
            over = status.state in (LiveState.ENDED, LiveState.ERROR, LiveState.STOPPED, LiveState.IDLE)
            if over and all(l.in_flight == 0 for l in status.lanes):
                return status
            time.sleep(poll_s)

    # -- recording (engine.video.recording) ------------------------------------------------
    def start_recording(self, writer: FrameWriter, lane: int | None = 0) -> None:
        """Feed the lane's annotated frames to `writer` until stop_recording (or stop). With
        lane=None every lane goes in, side by side: lane A's frames set the pace and each other
        lane adds its newest frame (black until it has one), as the display shows them."""
        if lane is not None:
            self._check_lane(lane)
        self._recorder.start(writer, lane)

    def stop_recording(self, commit: bool = True) -> None:
        self._recorder.stop(commit)

    @property
    def recording(self) -> bool:
        return self._recorder.active

    @property
    def record_error(self) -> str:
        """Why the last recording stopped by itself (a full disk), '' if it did not."""
        return self._recorder.error

    def _newest_annotated(self) -> list[np.ndarray | None]:
        """Lanes B, C...'s newest annotated frames, for side-by-side recording."""
        run = self._run
        results = [self.latest(lane) for lane in range(1, len(run.lanes) if run is not None else 1)]
        return [None if result is None else result.annotated for result in results]

    # -- threads ---------------------------------------------------------------------------
    def _capture(self, run: Run) -> None:
        source = run.source
        period = 1.0 / source.fps if source.fps > 0 else 0.0
        due = time.monotonic()
        ahead: tuple[np.ndarray | None, float, float] | None = None
        try:
            while not run.stop.is_set():
                if run.pace == "max":
                    if ahead is None:  # read the next frame while the lanes' networks run on the last one
                        ahead = self._read(source)
                    if not all(lane.inbox.wait_ready(0.05) for lane in run.lanes):
                        continue
                elif source.paced_by_caller and period:
                    delay = due - time.monotonic()
                    if delay > 0 and run.stop.wait(delay):
                        break
                    due = max(due + period, time.monotonic() - period)  # never burst to catch up
                (image, capture_ms, read_at), ahead = ahead or self._read(source), None
                if image is None:
                    if source.ended:
                        self._set_state(run, LiveState.ENDED, f"{source.name} ended")
                        return
                    run.stop.wait(0.005)
                    continue
                with run.lock:
                    run.captured += 1
                    run.last_frame = time.monotonic()
                    run.capture_times.append(read_at)
                    frame = Frame(id=run.captured, image=image, capture_ms=capture_ms, captured_at=read_at)
                for lane in run.lanes:
                    lane.inbox.put(self._job(lane, frame))
        except Exception as exc:  # SourceError or a driver fault: a status, never a dead thread
            if not run.stop.is_set():
                self._set_state(run, LiveState.ERROR, str(exc) or type(exc).__name__)
        finally:
            try:
                source.close()
            except Exception:
                pass

    @staticmethod
    def _read(source: FrameSource) -> tuple[np.ndarray | None, float, float]:
        """(the source's next frame or None, the read's ms, when it was read)."""
        start = time.perf_counter()
        image = source.read()
        return image, 1000 * (time.perf_counter() - start), time.monotonic()

    def _job(self, lane: Lane, frame: Frame) -> Job:
        """The lane's next job; preprocessed here when the worker takes it next (the slot is
        empty, so only a newer frame could replace it) and its runner has a preprocess stage."""
        with self._lock:
            runner = self._runners[lane.index] if lane.index < len(self._runners) else None
        prepare = getattr(runner, "prepare", None)
        if prepare is None or not lane.inbox.empty:
            return Job(frame)
        try:
            return Job(frame, runner, prepare(frame.image))
        except Exception:  # the worker runs the frame whole and reports what is wrong with it
            return Job(frame)

    def _work(self, run: Run, lane: Lane) -> None:
        while not run.stop.is_set():
            with self._lock:  # a runner with a network stage of its own holds the capture back while it runs
                runner = self._runners[lane.index] if lane.index < len(self._runners) else None
            job = lane.inbox.take(timeout=0.1, hold=hasattr(runner, "run_prepared"))
            if job is None:
                continue
            ok = False
            try:
                ok = self._infer(run, lane, job)
            finally:
                with lane.lock:  # failed and done move together: status() sees them consistent
                    lane.failed += not ok
                    lane.inbox.done()

    def _infer(self, run: Run, lane: Lane, job: Job) -> bool:
        frame = job.frame
        with self._lock:
            if lane.index >= len(self._runners):  # an old run's worker after set_runners shrank the list
                return False
            runner, display = self._runners[lane.index], dict(self._display[lane.index])
        generation = lane.generation
        start = time.perf_counter()
        try:
            if job.by is runner:
                result = runner.run_prepared(job.prepared, network_done=lane.inbox.release)
            else:
                result = runner.run(frame.image)
            drawn_at = time.perf_counter()
            annotated = runner.draw(frame.image, result, **display)
            draw_ms = 1000 * (time.perf_counter() - drawn_at)
        except Exception as exc:  # a status for the display; the worker carries on with the next frame
            with lane.lock:
                lane.error = f"{runner.model}: {exc or type(exc).__name__}"
            return False
        stage_ms = {"capture": frame.capture_ms, **result.timings.to_json(), "draw": draw_ms}
        seq = lane.results.peek()[0] + 1  # only this worker puts into its results box
        lane.results.put(LiveResult(lane=lane.index, seq=seq, frame=frame, result=result, annotated=annotated,
                                    model=runner.model, untrained=runner.untrained, stage_ms=stage_ms))
        self._recorder.feed(lane.index, annotated, self._newest_annotated)
        with lane.lock:
            lane.error = ""
            if lane.generation == generation:
                lane.rolling.add(stage_ms, 1000 * (time.perf_counter() - start), time.monotonic())
        return True

    def _set_state(self, run: Run, state: LiveState, message: str) -> None:
        with run.lock:
            if run.state == LiveState.RUNNING:
                run.state, run.message = state, message

    def _check_lane(self, lane: int) -> None:
        if not 0 <= lane < len(self._runners):
            raise InvalidInput(f"lane {lane} does not exist; valid: 0 to {len(self._runners) - 1}")
