"""lpr.ensemble: several whole-plate checkpoints read as one, and refused when they cannot be combined."""
import numpy as np
import pytest
import torch

from lpr.errors import LprError
from lpr.images import read_image
from lpr.locate import crop_box
from lpr.plate_module import CrnnEngine
from lpr.plates import load_plate_samples
from tests.conftest import OPENALPR, compose_config, run_cli


def make_ensemble(tmp_path, *ckpts):
    from lpr.ensemble import ensemble

    paths = ",".join(str(ckpt) for ckpt in ckpts)
    return ensemble(compose_config("ensemble", [f"ckpt_paths=[{paths}]"], tmp_path / "ensemble"))


def saved_with_split(ckpt, tmp_path, name, percent):
    checkpoint = torch.load(ckpt, weights_only=False)
    checkpoint["datamodule_hyper_parameters"] = {"roots": [str(OPENALPR / "eu")], "split_percent": percent,
                                                 "split_salt": "lpr-plates"}
    torch.save(checkpoint, tmp_path / name)
    return tmp_path / name


def test_ensemble_of_copies_reads_as_its_member_and_of_two_nets_as_their_mean(small_crnn_ckpt, tmp_path):
    samples = load_plate_samples(OPENALPR / "eu")[0][:8]
    crops = [crop_box(read_image(s.image_path, color=True), s.box, (0.04, 0.15))[0] for s in samples]
    member = CrnnEngine.from_checkpoint(small_crnn_ckpt)
    copies = CrnnEngine.from_checkpoint(make_ensemble(tmp_path / "copies", small_crnn_ckpt, small_crnn_ckpt)["ckpt_path"])
    batch = np.random.default_rng(0).random((4, 1, member.height, member.width), dtype=np.float32)
    assert [text for text, _ in copies.read_crops(crops)] == [text for text, _ in member.read_crops(crops)]
    assert copies.recognize(batch) == pytest.approx(member.recognize(batch), abs=1e-5)

    other = tmp_path / "other.ckpt"  # same architecture, other weights
    checkpoint = torch.load(small_crnn_ckpt, weights_only=False)
    checkpoint["state_dict"] = {k: v + 0.05 * torch.randn_like(v) if v.is_floating_point() else v
                                for k, v in checkpoint["state_dict"].items()}
    torch.save(checkpoint, other)
    pair = CrnnEngine.from_checkpoint(make_ensemble(tmp_path / "pair", small_crnn_ckpt, other)["ckpt_path"])
    mean = (np.exp(member.recognize(batch)) + np.exp(CrnnEngine.from_checkpoint(other).recognize(batch))) / 2
    assert np.exp(pair.recognize(batch)) == pytest.approx(mean, abs=1e-5)


def test_ensemble_refuses_what_it_cannot_combine(small_crnn_ckpt, tiny_ckpt, tmp_path):
    with pytest.raises(LprError, match="two or more"):
        make_ensemble(tmp_path / "one", small_crnn_ckpt)
    with pytest.raises(LprError, match="not a whole-plate"):
        make_ensemble(tmp_path / "classic", small_crnn_ckpt, tiny_ckpt)
    a = saved_with_split(small_crnn_ckpt, tmp_path, "a.ckpt", {"train": 40, "val": 10})
    b = saved_with_split(small_crnn_ckpt, tmp_path, "b.ckpt", {"train": 30, "val": 20})
    with pytest.raises(LprError, match="another real-photo split"):
        make_ensemble(tmp_path / "split", a, b)


@pytest.mark.slow
def test_ensemble_cli_missing_checkpoint_is_one_line(small_crnn_ckpt, tmp_path):
    done = run_cli("lpr.ensemble", f"ckpt_paths=[{small_crnn_ckpt},{tmp_path / 'gone.ckpt'}]",
                   f"hydra.run.dir={tmp_path / 'run'}")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == f"error: {tmp_path / 'gone.ckpt'}: checkpoint not found"
