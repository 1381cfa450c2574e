"""Bad input through the real CLIs: one `error: <file>: <problem>` line, exit code 2, no traceback. Each command runs
in this process (tests.conftest.run_in_process) unless what it checks needs a process of its own."""
import pytest

from tests.conftest import assert_clean_error, run_cli, run_in_process, run_without_torch


@pytest.fixture(scope="module")
def not_a_root(tmp_path_factory):
    """A folder of class folders without a `train/` split: a split given where a root is expected."""
    folder = tmp_path_factory.mktemp("split") / "train"
    (folder / "class_A").mkdir(parents=True)
    return folder


@pytest.mark.slow
@pytest.mark.parametrize("overrides, expected", [
    (["data=chars", "data.root=/no/such/dir"], "/no/such/dir: data root does not exist"),
    (["data=chars", "data.root=NOT_A_ROOT"], "missing `train/` split"),
    (["data.batch_size=abc"], "`batch_size`"),
    (["trainer.max_epochs=abc"], "config value `max_epochs` for trainer_budget"),
    (["data.synth.fonts=[comic_sans]"], "unknown font"),
    (["experiment=crnn_plates", "data.real_repeat=-1"], "`real_repeat`"),
    (["model.optimizer.lr=-1"], "config value `lr` for learning_rate"),
    (["model.optimizer.lr=nan"], "config value `lr` for learning_rate"),
    (["trainer.max_epochs=0"], "config value `max_epochs` for trainer_budget: Value error, must be -1 (no limit) or"),
    (["experiment=crnn_plates", "trainer.max_steps=0"], "config value `max_steps` for trainer_budget"),
    # re-lettered crops are built at setup, from a partial, outside instantiate: refused all the same
    (["experiment=crnn_plates", "data.roots=[PHOTOS]", "data.synth.count={train: 8, val: 4, test: 4}",
      "data.reletter_repeat=1", "data.reletter.width_range=[1.2,0.8]"], "`width_range` for ReletteredCrops"),
])
def test_train_refuses_bad_input(overrides, expected, not_a_root, photo_folder, tmp_path):
    overrides = [o.replace("NOT_A_ROOT", str(not_a_root)).replace("PHOTOS", str(photo_folder)) for o in overrides]
    assert_clean_error(run_in_process("lpr.train", *overrides, f"hydra.run.dir={tmp_path}",
                                      f"paths.cache_dir={tmp_path / 'cache'}"), expected)


@pytest.mark.slow
def test_resuming_from_no_checkpoint_or_another_models_is_one_line(small_ckpt, tmp_path):
    text = tmp_path / "notes.ckpt"
    text.write_text("not a checkpoint")
    assert_clean_error(run_in_process("lpr.train", f"ckpt_path={text}", f"hydra.run.dir={tmp_path / 'a'}"),
                       "notes.ckpt: not a readable checkpoint")
    assert_clean_error(run_in_process("lpr.train", f"ckpt_path={small_ckpt}", "model=seed_cnn",
                                      f"hydra.run.dir={tmp_path / 'b'}", f"paths.cache_dir={tmp_path / 'cache'}"),
                       "weights do not fit the model")


@pytest.mark.slow
def test_eval_refuses_missing_and_corrupt_checkpoints(char_root, tmp_path):
    missing = run_in_process("lpr.eval", f"ckpt_path={tmp_path / 'none.ckpt'}", f"data.root={char_root}",
                             f"hydra.run.dir={tmp_path}")
    assert_clean_error(missing, "none.ckpt: checkpoint not found")
    corrupt = tmp_path / "corrupt.ckpt"
    corrupt.write_bytes(b"\x80\x02 this is not a checkpoint")
    assert_clean_error(run_in_process("lpr.eval", f"ckpt_path={corrupt}", f"data.root={char_root}",
                                      f"hydra.run.dir={tmp_path}"), "corrupt.ckpt: not a readable checkpoint")


@pytest.mark.slow
def test_eval_refuses_a_batch_size_below_one(small_ckpt, char_root, tmp_path):
    assert_clean_error(run_in_process("lpr.eval", f"ckpt_path={small_ckpt}", f"data.root={char_root}",
                                      "data.batch_size=-1", f"hydra.run.dir={tmp_path}"), "config value `batch_size`")


@pytest.mark.slow
def test_eval_refuses_unknown_class_folder_and_plate_checkpoints(small_ckpt, small_crnn_ckpt, char_root, tmp_path):
    (tmp_path / "data" / "class_?").mkdir(parents=True)
    process = run_in_process("lpr.eval", f"ckpt_path={small_ckpt}", f"data.root={tmp_path / 'data'}",
                             f"hydra.run.dir={tmp_path / 'run'}")
    assert_clean_error(process, "class_?: class folder is not one of 0-9, A-Z")
    process = run_in_process("lpr.eval", f"ckpt_path={small_crnn_ckpt}", f"data.root={char_root}",
                             f"hydra.run.dir={tmp_path / 'run2'}")
    assert_clean_error(process, "crnn.ckpt: a whole-plate (crnn) recognizer checkpoint, not a character classifier")


@pytest.mark.slow
def test_unknown_config_key_is_named_in_hydras_words_with_lprs_exit_code(tmp_path):
    process = run_in_process("lpr.train", "data.bogus=1", f"hydra.run.dir={tmp_path}")
    assert process.returncode == 2 and "Traceback" not in process.stderr
    assert "Key 'bogus' is not in struct" in process.stderr


@pytest.mark.slow
def test_a_value_left_missing_is_named(tmp_path):
    assert_clean_error(run_in_process("lpr.read", f"input={tmp_path}", f"hydra.run.dir={tmp_path / 'run'}"),
                       "ckpt_path: no value given (add ckpt_path=... to the command)")


@pytest.mark.slow
def test_read_refuses_labels_csv_without_its_columns(small_ckpt, tmp_path):
    crops = tmp_path / "crops"
    crops.mkdir()
    (crops / "labels.csv").write_text("file,plate\na.png,ABC123\n")
    process = run_in_process("lpr.read", f"ckpt_path={small_ckpt}", f"input={crops}", "locate=none",
                             f"hydra.run.dir={tmp_path / 'run'}")
    assert_clean_error(process, "labels.csv: needs a header `image,text`")


@pytest.mark.slow
def test_entry_point_shims_still_run(tmp_path):
    """`python -m lpr.compare` (a shim over lpr.cli.compare) on a folder without runs: its one error line."""
    process = run_cli("lpr.compare", str(tmp_path))
    assert_clean_error(process, "no training runs")


ENTRY_POINTS = ["lpr.train", "lpr.eval", "lpr.read", "lpr.export", "lpr.detect", "lpr.val", "lpr.bench"]


@pytest.mark.slow
@pytest.mark.parametrize("module", ENTRY_POINTS)
def test_every_entry_point_answers_a_run_folder_it_cannot_make_and_an_unknown_key_in_one_line(module, tmp_path):
    """The battery of what comes before any task: Hydra making the run folder (here beneath a file, which no user,
    root included, can write) and Hydra refusing an override, in every entry point."""
    a_file = tmp_path / "a_file"
    a_file.write_text("")
    assert_clean_error(run_in_process(module, f"hydra.run.dir={a_file / 'run'}"), f"{a_file / 'run'}: Not a directory")
    assert_clean_error(run_in_process(module, "nosuchkey=1", f"hydra.run.dir={tmp_path / 'run'}"),
                       "config: Could not override 'nosuchkey'. To append to your config use +nosuchkey=1")
    assert_clean_error(run_in_process(module, "model=nosuch", f"hydra.run.dir={tmp_path / 'run'}"), "config: ")


@pytest.mark.slow
def test_export_to_a_folder_it_cannot_write_is_one_line_and_leaves_nothing(small_crnn_ckpt, tmp_path):
    a_file = tmp_path / "a_file"
    a_file.write_text("")
    assert_clean_error(run_in_process("lpr.export", f"ckpt_path={small_crnn_ckpt}", f"output={a_file / 'crnn.onnx'}",
                                      f"hydra.run.dir={tmp_path / 'run'}"), f"{a_file}: exists and is not a folder")
    assert not list(tmp_path.rglob("*.onnx"))


@pytest.mark.slow
def test_read_refuses_a_batch_below_one_as_a_config_value(small_ckpt, photo_folder, tmp_path):
    assert_clean_error(run_in_process("lpr.read", f"ckpt_path={small_ckpt}", f"input={photo_folder}", "batch_plates=-1",
                                      f"hydra.run.dir={tmp_path / 'run'}"), "config value `batch_plates`")


@pytest.mark.slow
def test_a_path_with_spaces_and_accents_reads_quoted_and_unquoted_says_how(small_ckpt, photo_folder, tmp_path):
    folder = tmp_path / "my photos é"
    folder.mkdir()
    photo = folder / "car é.jpg"
    photo.write_bytes(sorted(photo_folder.glob("*.jpg"))[0].read_bytes())
    quoted = run_in_process("lpr.read", f"ckpt_path={small_ckpt}", f"input='{photo}'", "locate=none",
                            f"hydra.run.dir={tmp_path / 'run'}")
    assert quoted.returncode == 0 and quoted.stdout.startswith("car é.jpg\t"), quoted.stderr[-2000:]
    assert_clean_error(run_in_process("lpr.read", f"ckpt_path={small_ckpt}", f"input={photo}",
                                      f"hydra.run.dir={tmp_path}"), "is quoted: \"key='/my photos/é (1).jpg'\"")


@pytest.mark.parametrize("module, overrides, expected", [
    ("lpr.train", ["ckpt_path=NOWHERE"], "NOWHERE: checkpoint to resume from not found"),
    ("lpr.train", ["init_from=NOWHERE"], "NOWHERE: checkpoint to start from not found"),
    ("lpr.train", ["trainer.max_epochs=abc"], "config value `max_epochs`"),
    ("lpr.eval", ["ckpt_path=NOWHERE", "data.root=DIR"], "NOWHERE: checkpoint not found"),
    ("lpr.eval", ["ckpt_path=DIR", "data.root=DIR", "data.batch_size=0"], "config value `batch_size`"),
    ("lpr.read", ["ckpt_path=NOWHERE", "input=DIR"], "NOWHERE: checkpoint not found"),
    ("lpr.read", ["ckpt_path=NOWHERE.onnx", "input=DIR"], "NOWHERE.onnx: ONNX model not found"),
    ("lpr.detect", ["detector=NOWHERE", "input=DIR"], "NOWHERE: detector not found"),
    ("lpr.export", ["ckpt_path=NOWHERE"], "NOWHERE: checkpoint not found"),
])
def test_arguments_are_checked_before_torch_is_imported(module, overrides, expected, tmp_path):
    """With torch and Lightning unimportable, a typo is still answered in lpr's line: it was checked first."""
    overrides = [o.replace("NOWHERE", str(tmp_path / "nowhere")).replace("DIR", str(tmp_path)) for o in overrides]
    assert_clean_error(run_without_torch(module, *overrides, f"hydra.run.dir={tmp_path / 'run'}"),
                       expected.replace("NOWHERE", str(tmp_path / "nowhere")))


def test_a_missing_value_another_value_refers_to_is_named():
    from omegaconf import OmegaConf

    from lpr.core.errors import as_lpr_error

    cfg = OmegaConf.create({"pseudo_labels": "???", "data": {"roots": ["${pseudo_labels}"]}})
    with pytest.raises(Exception) as raised:
        list(cfg.data.roots)
    assert str(as_lpr_error(raised.value)) == "pseudo_labels: no value given (add pseudo_labels=... to the command)"
    with pytest.raises(Exception) as raised:
        cfg.pseudo_labels
    assert str(as_lpr_error(raised.value)) == "pseudo_labels: no value given (add pseudo_labels=... to the command)"


def test_an_experiments_missing_value_is_named_before_training(tmp_path):
    assert_clean_error(run_in_process("lpr.train", "experiment=reader_distilled", f"hydra.run.dir={tmp_path}"),
                       "pseudo_labels: no value given (add pseudo_labels=... to the command)")


@pytest.mark.slow
def test_a_loss_that_is_no_longer_finite_stops_the_run_before_the_weights_take_it(tiny_train, tmp_path):
    import torch

    lr = [o for o in tiny_train if not o.startswith("model.optimizer.lr=")]
    assert_clean_error(run_in_process("lpr.train", *lr, "model.optimizer.lr=1e12", f"hydra.run.dir={tmp_path}"),
                       "the training loss is nan, not finite")
    kept = list((tmp_path / "checkpoints").glob("*.ckpt"))
    for ckpt in kept:
        weights = torch.load(ckpt, weights_only=False)["state_dict"].values()
        assert all(torch.isfinite(w).all() for w in weights if w.is_floating_point()), ckpt


def test_ctrl_c_while_reading_is_one_line_and_writes_nothing(small_ckpt, photo_folder, tmp_path, monkeypatch):
    from lpr.reading.pipeline import PlateReader

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(PlateReader, "read", interrupted)
    done = run_in_process("lpr.read", f"ckpt_path={small_ckpt}", f"input={photo_folder}", f"hydra.run.dir={tmp_path}")
    assert done.returncode == 130 and done.stderr.strip() == "stopped by Ctrl-C: this run's outputs are not written"
    assert not (tmp_path / "metrics.json").exists() and not (tmp_path / "predictions.csv").exists()
