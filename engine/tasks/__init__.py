"""Task runners: one loaded model behind the `TaskRunner` contract of `engine.tasks.base`."""

from engine.tasks.base import TASKS, StageTimes, TaskResult, TaskRunner

__all__ = ["TASKS", "StageTimes", "TaskResult", "TaskRunner"]
