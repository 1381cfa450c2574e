"""trainer=gpu really trains in mixed precision: both engines, on a CUDA device, on generated data.

Skipped where there is no GPU (CI). On a GPU machine: `pytest tests/unit/test_gpu.py`.
"""
import pytest
import torch
from lightning.pytorch import Callback

from tests.conftest import compose_config, synth_train, tiny_crnn

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not torch.cuda.is_available(), reason="trainer=gpu needs a CUDA device")]


class ComputeSeen(Callback):
    """Records the (device, dtype) of the net's output in training steps. The config instantiates it: a class set.

    The hook lives only for the step, so checkpoints (which pickle the net) never hold it.
    """

    seen: set = set()

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        self.hook = pl_module.net.register_forward_hook(
            lambda module, inputs, output: self.seen.add((output.device.type, output.dtype)))

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        self.hook.remove()


@pytest.mark.parametrize("engine_overrides", [synth_train, tiny_crnn], ids=["char_cnn", "crnn"])
def test_gpu_trainer_computes_in_bf16_on_cuda(engine_overrides, cache_dir, tmp_path):
    from lpr.cli.train import train

    cfg = compose_config("train", engine_overrides(cache_dir) + [
        "trainer=gpu", f"+callbacks.compute_seen._target_={__name__}.ComputeSeen"], tmp_path / "run")
    ComputeSeen.seen.clear()
    metrics = train(cfg)
    assert ComputeSeen.seen == {("cuda", torch.bfloat16)}
    assert metrics["epochs"] >= 1 and torch.isfinite(torch.tensor(metrics["train/loss"]))
    assert (tmp_path / "run" / "checkpoints" / "best.ckpt").is_file()
