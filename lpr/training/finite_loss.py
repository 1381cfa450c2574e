"""A loss that is no longer finite ends the run at once, before its backward pass spoils the weights: a learning
rate too large would otherwise train on to NaN and keep the NaN weights as the run's checkpoints."""
import math

from lightning.pytorch import Callback, LightningModule, Trainer

from lpr.core.errors import LprError


class FiniteLoss(Callback):
    def on_before_backward(self, trainer: Trainer, pl_module: LightningModule, loss) -> None:
        value = float(loss.detach())
        if math.isfinite(value):
            return
        # the forward pass that gave it has moved batch norm's running statistics already: no state to resume from,
        # so the checkpoints written so far (the last finite ones) stay as they are
        for checkpoint in trainer.checkpoint_callbacks:
            checkpoint.save_on_exception = False
        raise LprError(f"step {trainer.global_step}: the training loss is {value}, not finite; the checkpoints keep "
                       f"the run before it (a smaller model.optimizer.lr trains on)")
