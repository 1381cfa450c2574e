"""Training progress: Rich's live bar in a terminal, log lines that a log file keeps elsewhere."""
import logging
import sys
import time

from lightning.pytorch import LightningModule, Trainer
from lightning.pytorch.callbacks import ProgressBar, RichProgressBar
from pydantic import PositiveInt, validate_call

log = logging.getLogger(__name__)


class LineProgress(ProgressBar):
    """Progress as log lines: every `every_n_steps` training steps (epoch, step of the budget, steps/s, time left at
    most, the progress bar's metrics) and after each validation. A job whose output goes to a file or a pipe (nohup,
    SLURM, CI) shows nothing of a live bar; these lines it keeps."""

    @validate_call
    def __init__(self, every_n_steps: PositiveInt = 50):
        super().__init__()
        self.every_n_steps, self.enabled, self.started = every_n_steps, True, None

    def disable(self):
        self.enabled = False

    def enable(self):
        self.enabled = True

    def summary(self, trainer: Trainer, pl_module: LightningModule) -> str:
        metrics = self.get_metrics(trainer, pl_module)
        return " ".join(f"{key}={value:.4g}" if isinstance(value, float) else f"{key}={value}"
                        for key, value in metrics.items() if key != "v_num")

    def on_train_start(self, trainer: Trainer, pl_module: LightningModule):
        self.started = (time.perf_counter(), trainer.global_step)

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        step = trainer.global_step
        if not self.enabled or not trainer.is_global_zero or step % self.every_n_steps:
            return
        started, first_step = self.started
        rate = (step - first_step) / max(time.perf_counter() - started, 1e-9)
        budget = trainer.estimated_stepping_batches  # early stopping may end the run sooner
        left = (budget - step) / rate if rate > 0 and budget != float("inf") else None
        log.info("epoch %d step %d/%s (%.2f steps/s, %s left) %s", trainer.current_epoch, step,
                 budget if left is not None else "-", rate, clock(left), self.summary(trainer, pl_module))

    def on_validation_end(self, trainer: Trainer, pl_module: LightningModule):
        if self.enabled and trainer.is_global_zero and not trainer.sanity_checking:
            log.info("epoch %d validated: %s", trainer.current_epoch, self.summary(trainer, pl_module))


def clock(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes // 60}h{minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m{seconds:02d}s"


def progress_bar(every_n_steps: int = 50) -> ProgressBar:
    """Rich's live bar where stderr is a terminal; log lines (LineProgress) where it is a file or a pipe."""
    return RichProgressBar() if sys.stderr.isatty() else LineProgress(every_n_steps)
