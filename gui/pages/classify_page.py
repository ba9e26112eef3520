"""The Classify page: pick an ImageNet classifier, open or drop an image, see the top-5 as bars,
the latency of the run and which weights produced it. Without cached weights the model runs
with random weights, labelled untrained, and the page points to the Weights page.

A TaskPage like Detect and Segment: the classify runner from `api.make_runner` loads and runs
off the UI thread (one JobRunner), so opening three images quickly classifies the last
one; loaded runners are kept per (model, weights)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (
    QApplication, QFileDialog, QFrame, QHBoxLayout, QLabel, QProgressBar, QPushButton, QScrollArea, QWidget,
)

from engine import api
from gui.chart_export import PAINTED
from gui.pages import register_page
from gui.pages._task_page import Outcome, TaskPage
from gui.widgets.image_view import ImageView
from gui.widgets.panel import panel
from gui.widgets.topk_chart import Bar, TopKChart
from gui.workers.jobs import Job, JobRunner

__all__ = ["ClassifyPage", "DEFAULT_IMAGE"]

DEFAULT_IMAGE = api.ASSETS / "images" / "chelsea.png"  # CC0, see assets/images/SOURCES.md
TOPK = 5  # the classify runner's top-K
SAMPLE_SET = "imagenet-sample-20"


def evaluation_text(result: object) -> str:
    """One accuracy result (api.EvalResult of a folder, api.SampleAccuracy of a sample set) as
    the page shows it: top-1 with its Wilson 95 % interval, top-5, and what was evaluated."""
    if isinstance(result, api.SampleAccuracy):
        correct, n, what = result.top1_correct, result.images, f"sample set {result.sample_set}"
    else:
        correct, n, what = round(result.top1 * result.images), result.images, f"{result.classes} classes"
    low, high = api.wilson_interval(correct, n)
    few = f"; {n} images make the interval wide" if n < 100 else ""
    return (f"top-1 <b>{correct / n:.1%}</b> ({correct}/{n}) · 95 % Wilson interval {low:.0%}–{high:.0%}{few}"
            f"<br>top-5 {result.top5:.1%} · {result.model} ({result.weights or api.UNTRAINED}) on {what}")


def saved_note(classifier: api.ClassifyRunner, result: object, dataset: str) -> str:
    """In the worker: store the evaluation (api.save_evaluation) and say what became of it; a
    database that cannot take it costs the note, never the result."""
    try:
        stored = api.save_evaluation(classifier, result, dataset)
    except api.StudioError as exc:
        return f"not saved to the results database: {exc}"
    if stored is None:
        why = "random weights" if classifier.untrained else f"path {classifier.path} is not exact"
        return f"not saved to the results database ({why})"
    return "saved to the results database: Trade-offs plots this top-1 beside the model's measured latency"


def _scrolling(side: QWidget) -> QScrollArea:
    """The side panel scrolls on its own when the top-5, the stage times and the accuracy
    section are taller than the window (a 1280×800 laptop after an evaluation): squeezed, it
    cut the top-5 to three rows and the accuracy text off at the bottom."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setWidget(side)
    area.viewport().setAutoFillBackground(False)
    return area


@register_page("classify", "Classify", order=20, tooltip="ImageNet top-5 on your own image")
class ClassifyPage(TaskPage):
    TASK = "classify"
    TITLE = "Classify"
    DEFAULT_MODEL = api.DEFAULT_MODELS["classify"]
    DEFAULT_IMAGE = DEFAULT_IMAGE
    UNTRAINED_TIP = ("No weights for this model are in the cache, so it runs with random weights: the "
                     "ranking is meaningless, the latency is real.")

    def extra_controls(self) -> list[QWidget]:
        """Accuracy over many images, like the CLI's `evaluate`: a labelled folder or the sample set."""
        self.evaluation: object | None = None  # the last finished evaluation
        self.storage_note = ""  # what became of its accuracy in the results database
        self.eval_jobs = JobRunner(self)
        self.eval_jobs.progress.connect(self._on_eval_progress)
        self.eval_jobs.succeeded.connect(self._on_evaluated)
        self.eval_jobs.failed.connect(lambda _serial, message: self._on_eval_failed(message))
        self.eval_jobs.cancelled.connect(lambda _serial: self._on_eval_failed("evaluation cancelled"))
        self.eval_jobs.busy_changed.connect(self._on_eval_busy)
        self.folder_button = QPushButton("Evaluate folder…")
        self.folder_button.setToolTip("Top-1 / top-5 over FOLDER/<class>/<image> (class folders named by "
                                      "ImageNet index or label), like 'mobilenet-studio evaluate FOLDER'")
        self.folder_button.clicked.connect(self._ask_folder)
        self.sample_button = QPushButton("Run sample set")
        self.sample_button.setToolTip(f"Top-1 / top-5 on {SAMPLE_SET} (20 ImageNet-labelled photos, fetched once "
                                      f"from the foolbox wheel), like 'evaluate --sample {SAMPLE_SET}'")
        self.sample_button.clicked.connect(lambda: self.evaluate_samples())
        return []  # the buttons sit in the side panel's accuracy section (body): beside the model
        # row they pushed the page past 1200 px once a run showed the weights line

    def body(self) -> tuple[QWidget, QWidget]:
        image_frame, image_layout = panel()
        self.image_view = ImageView("Open an image (Ctrl+O) or drop one here")
        image_layout.addWidget(self.image_view, 1)

        side, side_layout = panel()
        chart_title = QLabel(f"Top-{TOPK} ImageNet classes")
        chart_title.setObjectName("panelTitle")
        self.chart = TopKChart()
        self.chart.setProperty(PAINTED, True)  # PNG / SVG export from its context menu, like every chart
        self.chart.setAccessibleName(f"Top-{TOPK} ImageNet classes")
        self.latency_caption = latency_caption = QLabel("Latency of this run")
        latency_caption.setObjectName("cardCaption")
        self.latency_label = QLabel("—")
        self.latency_label.setObjectName("cardValue")
        side_layout.addWidget(chart_title)
        side_layout.addWidget(self.chart)
        side_layout.addSpacing(4)
        side_layout.addWidget(latency_caption)
        side_layout.addWidget(self.latency_label)
        side_layout.addSpacing(6)
        for widget in self.timing_panel():
            side_layout.addWidget(widget)
        side_layout.addSpacing(4)  # tight: the accuracy section must still fit 1200x760
        accuracy_caption = QLabel("Accuracy over many images")
        accuracy_caption.setObjectName("panelTitle")
        self.accuracy_label = QLabel("Evaluate a labelled folder or run the sample set")
        self.accuracy_label.setObjectName("cardNote")
        self.accuracy_label.setWordWrap(True)
        self.accuracy_label.setTextFormat(Qt.TextFormat.RichText)
        self.eval_progress = QProgressBar()
        self.eval_progress.setFormat("%v / %m images")
        self.eval_progress.setRange(0, 1)
        self.eval_progress.setValue(0)
        self.eval_cancel = QPushButton("Cancel")
        self.eval_cancel.setToolTip("Stop the evaluation")
        self.eval_cancel.setEnabled(False)
        self.eval_cancel.clicked.connect(self.eval_jobs.cancel)
        row = QHBoxLayout()
        row.addWidget(self.eval_progress, 1)
        row.addWidget(self.eval_cancel)
        buttons = QHBoxLayout()
        buttons.addWidget(self.folder_button)
        buttons.addWidget(self.sample_button)
        buttons.addStretch(1)
        side_layout.addWidget(accuracy_caption)
        side_layout.addLayout(buttons)
        side_layout.addLayout(row)
        side_layout.addWidget(self.accuracy_label)
        side_layout.addStretch(1)
        self.side_scroll = _scrolling(side)
        return image_frame, self.side_scroll

    # evaluation -----------------------------------------------------------------------------
    def evaluate_folder(self, folder: str) -> bool:
        """Accuracy of the selected model over a labelled folder, off the UI thread; False when
        an evaluation is already running."""
        return self._evaluate(lambda job, clf: api.evaluate_folder(
            clf, folder, progress=lambda done, total: job.report("evaluating", done, total)), f"{folder}",
            Path(folder).resolve().name)

    def evaluate_samples(self, sample_set: str = SAMPLE_SET) -> bool:
        """Accuracy on a sample set (fetched once, hash-checked, if the cache lacks it)."""
        def work(job: Job, clf):
            path = api.sample_path(sample_set, job.report)
            return api.evaluate_samples(clf, sample_set, path=path,
                                        progress=lambda done, total: job.report("evaluating", done, total))
        return self._evaluate(work, sample_set, sample_set)

    def _evaluate(self, work, what: str, dataset: str) -> bool:
        """Run `work(job, classifier)` off the UI thread, then store its accuracy like the CLI's
        `evaluate` does, so the Trade-offs page plots the measured top-1."""
        if self.eval_jobs.is_busy():
            return False
        model, runners, jobs = self.model_combo.currentData(), self.runners, self.jobs
        jobs.wait()  # the runners are the image job's: never touched by two threads at once
        self.accuracy_label.setText(f"Evaluating {model} on {what}…")

        def evaluate_and_save(job: Job):
            clf = runners.load(model)
            result = work(job, clf)
            return result, saved_note(clf, result, dataset)

        self.eval_jobs.submit(evaluate_and_save, f"Evaluating {model} on {what}…")
        return True

    def _ask_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Labelled folder (one sub-folder per class)", self._folder)
        if folder:
            self.evaluate_folder(folder)

    def _on_eval_progress(self, done: object, total: object, _message: str) -> None:
        if isinstance(done, int) and isinstance(total, int) and total > 0:
            self.eval_progress.setRange(0, total)
            self.eval_progress.setValue(done)

    def _on_evaluated(self, _serial: int, payload: object) -> None:
        result, self.storage_note = payload
        self.evaluation = result
        self.accuracy_label.setText(evaluation_text(result))
        if getattr(result, "weights", None) is None:
            self.accuracy_label.setText(self.accuracy_label.text() + f"<br>({api.UNTRAINED}: the accuracy means nothing)")
        self.accuracy_label.setText(self.accuracy_label.text() + f"<br>{self.storage_note}")
        self._show_accuracy()
        self.status_message.emit(f"{result.model}: top-1 {result.top1:.1%} on {result.images} images")

    def _show_accuracy(self) -> None:
        """The answer in view even on a short screen: lay the new text out first (the side
        panel grows by it), then scroll to it."""
        for _ in range(2):  # the label, then the panel around it
            QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        self.side_scroll.ensureWidgetVisible(self.accuracy_label, 0, 0)

    def _on_eval_failed(self, message: str) -> None:
        self.accuracy_label.setText(message)
        self.status_message.emit(message)

    def _on_eval_busy(self, busy: bool, label: str) -> None:
        self.eval_cancel.setEnabled(busy)
        self.folder_button.setEnabled(not busy)
        self.sample_button.setEnabled(not busy)
        self.model_combo.setEnabled(not busy)  # the runner in use stays the one evaluated
        self.report_busy(busy, label)

    def run(self, path: str | None = None) -> None:
        """An image runs when no evaluation holds the model (both use the one loaded runner)."""
        if self.eval_jobs.is_busy():
            self.status_message.emit("An evaluation is running: cancel it, or wait, to classify an image")
            return
        super().run(path)

    def ready(self) -> bool:
        return super().ready() and not self.eval_jobs.is_busy()

    def shutdown(self) -> None:
        self.eval_jobs.wait()
        super().shutdown()

    def show_outcome(self, outcome: Outcome) -> None:
        result = outcome.result
        self.image_view.set_image(outcome.image)
        self.chart.set_bars([Bar(p.label, p.probability) for p in result.top], muted=result.untrained)
        self.latency_label.setText(f"{result.timings.total_ms:.1f} ms")
        self.latency_caption.setText(f"Latency of this run · path {getattr(outcome.runner, 'path', 'reference')}")
        top = result.top[0]
        note = f" ({api.UNTRAINED})" if result.untrained else ""
        self.status_message.emit(f"{Path(outcome.path).name}: {top.label} {top.probability * 100:.1f} % "
                                 f"with {outcome.model}{note}, {result.timings.total_ms:.1f} ms")
