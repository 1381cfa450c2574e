"""Optimizer and schedule from a module's Hydra partials, the same for every lpr task."""
from lightning import LightningModule


def configure(module: LightningModule, **schedule) -> dict:
    """Lightning's `configure_optimizers` answer for `hparams.optimizer` and the optional `hparams.scheduler`
    (partials); `schedule` adds Lightning's scheduler keys (`interval`, `monitor`)."""
    optimizer = module.hparams.optimizer(params=module.parameters())
    if module.hparams.scheduler is None:
        return {"optimizer": optimizer}
    return {"optimizer": optimizer,
            "lr_scheduler": {"scheduler": module.hparams.scheduler(optimizer=optimizer), **schedule}}
