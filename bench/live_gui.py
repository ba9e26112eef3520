"""The Live page end to end (offscreen Qt): the demo clip through a model for N seconds as the
GUI runs it (pace live: 30 fps source, frames the model cannot keep up with are dropped), then
end-to-end FPS, pipeline time per frame over the bare model latency measured in the same
process afterwards, and the longest UI-thread stall (the issue's aim: under 50 ms).

    python -m bench.live_gui [--task detect] [--model ssdlite_mobilenet_v2_person] [--model2 M]
                             [--seconds 60] [--size 640x480] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.live_gui", description=__doc__.split("\n\n")[0])
    parser.add_argument("--task", default="detect", choices=("classify", "detect", "segment"))
    parser.add_argument("--model", default="ssdlite_mobilenet_v2_person")
    parser.add_argument("--model2")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--size", default="640x480", help="demo clip frame size WxH")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args([] if argv is None else argv)  # `python -m bench` passes none
    width, height = (int(v) for v in args.size.lower().split("x"))

    from PySide6.QtWidgets import QApplication

    from engine.video.stats import bare_model_ms
    from gui.app import make_app
    from gui.pages.live_page import LivePage
    from gui.screenshots import wait_until

    make_app()
    page = LivePage()
    page.resize(1400, 850)
    page.demo_size = (width, height)
    page.controls.configure("demo", args.task, args.model, args.model2)
    page._sync_models()
    page.show()
    page.start_run()
    if not wait_until(lambda: page.pipeline is not None and page.pipeline.latest(0) is not None, 300):
        print("the pipeline did not deliver a first result in 300 s")
        return 1
    page.stall.start()  # measure from the first frame on: model loading is not a stall
    started = time.monotonic()
    wait_until(lambda: time.monotonic() - started >= args.seconds, args.seconds + 5)
    stall_ms, ticks, long_gaps = page.stall.stall_ms, page.stall.ticks, list(page.stall.long_gaps)
    status = page.pipeline.status()
    frame = page.pipeline.latest(0).frame.image
    runners = list(page.session.runners)
    page.stop()
    page.shutdown()
    QApplication.processEvents()
    lanes = []
    for lane, runner in zip(status.lanes, runners):
        model_ms = bare_model_ms(runner, frame)
        frame_ms = lane.frame_ms
        lanes.append({"model": lane.model, "untrained": lane.untrained, "fps": lane.mean_fps,
                      "captured": lane.captured, "inferred": lane.inferred, "dropped": lane.dropped,
                      "stages_ms": lane.stages_ms, "worker_ms_per_frame": frame_ms, "model_ms": model_ms,
                      "worker_over_model": frame_ms / model_ms if model_ms else None})
    doc = {"seconds": args.seconds, "size": [width, height], "ui_stall_max_ms": stall_ms, "ui_ticks": ticks,
           "ui_gaps_over_30ms": [[round(t, 2), round(g, 1)] for t, g in long_gaps],
           "state": status.state, "message": status.message, "lanes": lanes}
    if args.json:
        print(json.dumps(doc, indent=2))
        return 0
    print(f"Live page, demo clip {width}x{height}, {args.seconds:g} s: UI stall max {stall_ms:.1f} ms "
          f"({ticks} ticks of 10 ms); gaps over {page.stall.LONG_MS:.0f} ms: {len(long_gaps)}"
          + "".join(f"\n    at {t:5.1f} s: {g:.0f} ms" for t, g in sorted(long_gaps, key=lambda x: -x[1])[:5]))
    for lane in lanes:
        ratio = f"{lane['worker_over_model']:.2f}x" if lane["worker_over_model"] else "n/a"
        print(f"  {lane['model']}{' (untrained)' if lane['untrained'] else ''}: {lane['fps']:.1f} FPS, "
              f"worker {lane['worker_ms_per_frame']:.1f} ms/frame vs model alone {lane['model_ms']:.1f} ms "
              f"(pipeline/model {ratio}); captured {lane['captured']}, inferred {lane['inferred']}, "
              f"dropped {lane['dropped']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
