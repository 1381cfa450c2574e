"""A full disk mid-write (lpr.core.files): the old file stays, no temporary file stays beside it, and the one error
line names the file the user knows."""
import errno

import pytest

from lpr.core.errors import as_lpr_error
from lpr.core.files import written_whole

FULL = OSError(errno.ENOSPC, "No space left on device")


def test_a_write_that_fails_keeps_the_old_file_and_names_it(tmp_path):
    metrics = tmp_path / "metrics.json"
    metrics.write_text("old")
    with pytest.raises(OSError) as raised:
        with written_whole(metrics) as partial:
            partial.write_text("half")
            raise FULL
    assert metrics.read_text() == "old" and list(tmp_path.iterdir()) == [metrics]
    assert str(as_lpr_error(raised.value)) == f"{metrics}: No space left on device"
    with written_whole(metrics) as partial:
        partial.write_text("new")
    assert metrics.read_text() == "new" and list(tmp_path.iterdir()) == [metrics]


def test_a_checkpoint_the_disk_cannot_hold_names_the_checkpoint_and_leaves_no_partial(tmp_path, monkeypatch):
    from lightning.fabric.plugins.io.torch_io import TorchCheckpointIO

    from lpr.training.checkpoint import AtomicCheckpointIO

    def fill_the_disk(self, checkpoint, path, storage_options=None):
        path.write_bytes(b"half a checkpoint")
        raise FULL

    monkeypatch.setattr(TorchCheckpointIO, "save_checkpoint", fill_the_disk)
    best = tmp_path / "best.ckpt"
    with pytest.raises(OSError) as raised:
        AtomicCheckpointIO().save_checkpoint({}, best)
    assert str(as_lpr_error(raised.value)) == f"{best}: No space left on device" and not list(tmp_path.iterdir())


def test_a_full_disk_that_names_no_file_is_one_line_too():
    assert str(as_lpr_error(FULL)) == "the run folder's files: No space left on device"
