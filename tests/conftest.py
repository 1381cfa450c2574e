"""Fixtures of every layer: composed Hydra configs pointing into tmp dirs, CLI runs, and tiny assets made at test
time (generated characters, plates and photos, seeded checkpoints, a tiny training on generated characters).

Nothing here reads the shared data: tests/unit runs anywhere. tests/integration/conftest.py adds the fixtures
that read ../shared/data.
"""
import os
import re

# One torch / OpenMP thread per process unless asked otherwise: the tests share a small machine with other work, where
# several spinning threads per process are many times slower than one (set OMP_NUM_THREADS to override).
os.environ.setdefault("OMP_NUM_THREADS", "1")

import subprocess
import sys
import tomllib
from pathlib import Path

import cv2
import numpy as np
import pytest
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, open_dict

from lpr.core.config import PROJECT_DIR

REPO = PROJECT_DIR  # lpr runs from the project folder; importing it registers the resolver configs/paths uses
CONFIGS = REPO / "configs"


# The modules that train longest run first: `make test` spreads whole modules over two workers (pytest -n 2 --dist
# loadfile), and a long one started last would leave the other worker idle.
LONGEST_FIRST = ("test_detector.py", "test_char_detector.py", "test_workflow.py", "test_resume.py",
                 "test_cli_errors.py")


def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: LONGEST_FIRST.index(item.path.name) if item.path.name in LONGEST_FIRST
               else len(LONGEST_FIRST))


def compose_config(config_name: str, overrides: list[str], run_dir: Path) -> DictConfig:
    """The config an entry point would get, with its run dir set to `run_dir` (as Hydra would at run time)."""
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONFIGS), version_base="1.3"):
        cfg = compose(config_name, overrides=overrides, return_hydra_config=True)
    with open_dict(cfg):
        cfg.hydra.runtime.output_dir = str(run_dir)
        cfg.hydra.job.num = 0
    HydraConfig.instance().set_config(cfg)
    run_dir.mkdir(parents=True, exist_ok=True)
    with open_dict(cfg):
        del cfg.hydra
    GlobalHydra.instance().clear()
    return cfg


def hydra_config(config_name: str, overrides: list[str]) -> DictConfig:
    """A config with its `hydra` node, as a launcher or sweeper would see it; no run dir is made."""
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(CONFIGS), version_base="1.3"):
            return compose(config_name, overrides=overrides, return_hydra_config=True)
    finally:
        GlobalHydra.instance().clear()


def photo_split(config_name: str = "read", overrides: tuple[str, ...] = ()):
    """The photo split (lpr.data.split.PhotoSplit) a composed config uses: configs/split/ owns its values."""
    from lpr.core.config import instantiate

    return instantiate(hydra_config(config_name, list(overrides)).split)


def run_cli(module: str, *overrides: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    """Run `python -m MODULE OVERRIDES...` as a user would; returns the finished process."""
    env = {**os.environ, "NO_ALBUMENTATIONS_UPDATE": "1"}
    return subprocess.run([sys.executable, "-m", module, *overrides], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)


def run_in_process(module: str, *overrides: str) -> subprocess.CompletedProcess:
    """`python -m MODULE OVERRIDES...` run in this process: what a user sees (its exit code, stdout and stderr) without
    a new interpreter importing torch and Lightning again, seconds a run. For a command's refusals and short runs;
    what needs a process of its own (signals, a base install without torch, the `lpr` script) uses run_cli."""
    import contextlib
    import importlib
    import io

    main = importlib.import_module(module).main
    stdout, stderr, argv = io.StringIO(), io.StringIO(), sys.argv
    sys.argv, code = [module, *overrides], 0
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            main()
    except SystemExit as exit:
        code = exit.code if isinstance(exit.code, int) else int(exit.code is not None)
    finally:
        sys.argv = argv
        GlobalHydra.instance().clear()
    return subprocess.CompletedProcess([module, *overrides], code, stdout.getvalue(), stderr.getvalue())


# The packages of pyproject.toml's `train` extra (torch, Lightning, albumentations ...), which `pip install .` leaves out.
with open(REPO / "pyproject.toml", "rb") as _pyproject:
    TRAIN_EXTRA = [re.split(r"[<>=!~\[ ;]", requirement)[0]
                   for requirement in tomllib.load(_pyproject)["project"]["optional-dependencies"]["train"]]
# Runs an entry point as `python -m MODULE` would, as a base install has it: the train extra's packages unimportable.
WITHOUT_TORCH = ("import runpy, sys\n"
                 f"for name in {TRAIN_EXTRA!r}: sys.modules[name] = None\n"
                 "module, sys.argv = sys.argv[1], sys.argv[1:]\n"
                 "runpy.run_module(module, run_name='__main__')\n")


def run_without_torch(module: str, *overrides: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", WITHOUT_TORCH, module, *overrides], cwd=REPO, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "NO_ALBUMENTATIONS_UPDATE": "1"})


def assert_clean_error(process: subprocess.CompletedProcess, expected: str):
    """Bad input through a CLI: one `error: <file>: <problem>` line, exit code 2, no traceback."""
    assert process.returncode == 2, process.stderr[-2000:]
    assert "Traceback" not in process.stderr
    error_lines = [line for line in process.stderr.splitlines() if line.startswith("error: ")]
    assert len(error_lines) == 1 and expected in error_lines[0], process.stderr[-2000:]


# ---------------------------------------------------------------------------------------------------------------
# Generated plates and photos
# ---------------------------------------------------------------------------------------------------------------

# A plate with nothing on it but the registration, photographed straight on: every glyph is one blob.
CLEAN = dict(fonts=["dejavu_sans_bold"], width_scale=(0.9, 0.9), gap=(0.3, 0.3), region_text_p=0.0, band_p=0.0,
             frame_p=0.0, bolts_p=0.0, sticker_p=0.0, schemes={"dark_on_light": 1.0}, perspective=0.0, max_rotation=0.0,
             crop_margin=(-0.02, -0.02), out_height=(64, 64), blur_sigma=(0.0, 0.0), noise_sigma=(0.0, 0.0),
             jpeg_quality=(95, 95))


def clean_plate(printed: str, seed: int = 0, height: int = 64) -> tuple[np.ndarray, str]:
    """A clean plate crop (grey uint8, `height` tall): the generator's registration (lpr.data.synth_plates) drawn dark,
    centred on a light face with margins all round, nothing else on it; and its label."""
    from lpr.data.synth_plates import PlateSynth, plate_label

    ink, _ = PlateSynth(fonts=["dejavu_sans_mono_bold"], stroke=(0, 1), width_scale=(0.8, 0.8),
                        gap=(0.3, 0.3)).text_mask(printed, np.random.default_rng(seed))
    text_height = round(0.7 * height)
    ink = cv2.resize(ink, (round(ink.shape[1] * text_height / ink.shape[0]), text_height), interpolation=cv2.INTER_AREA)
    side, top = round(0.3 * text_height), (height - text_height) // 2
    plate = np.full((height, ink.shape[1] + 2 * side), 225.0, np.float32)
    plate[top:top + text_height, side:side + ink.shape[1]] -= ink * (225.0 - 30.0)
    return plate.round().astype(np.uint8), plate_label(printed)


def synthetic_photo(plate: np.ndarray, seed: int, size: tuple[int, int] = (480, 640)
                    ) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """A BGR photo: a plate pasted into the lower half of a shaded, noisy scene with a few dark bars in its upper
    third; and the plate's box (x, y, w, h)."""
    rng = np.random.default_rng(seed)
    height, width = size
    shade = np.linspace(60, 140, width)[None, :] + np.linspace(0, 40, height)[:, None]
    scene = np.clip(shade[..., None] + rng.normal(0, 6, (height, width, 3)), 0, 255).astype(np.uint8)
    for _ in range(3):  # bumper edges and grille bars, away from the plate
        y = int(rng.integers(20, height // 3))
        cv2.line(scene, (0, y), (width, y + int(rng.integers(-20, 20))), rng.uniform(0, 80, 3).tolist(),
                 int(rng.integers(2, 8)))
    h, w = plate.shape[:2]
    x, y = int(rng.integers(20, width - w - 20)), int(rng.integers(height // 2, height - h - 20))
    scene[y:y + h, x:x + w] = cv2.cvtColor(plate, cv2.COLOR_GRAY2BGR) if plate.ndim == 2 else plate
    return scene, (x, y, w, h)


def write_photo_folder(folder: Path, plates: list[tuple[str, str]]) -> Path:
    """An OpenALPR-style folder (NAME.jpg beside NAME.txt with its plate box and text) of generated photos, one per
    (stem, printed plate); each plate has a height of its own (56, 62, 68, ... pixels)."""
    folder.mkdir(parents=True, exist_ok=True)
    for index, (stem, printed) in enumerate(plates):
        plate, text = clean_plate(printed, seed=index, height=56 + 6 * index)
        photo, (x, y, w, h) = synthetic_photo(plate, seed=index)
        cv2.imwrite(str(folder / f"{stem}.jpg"), photo, [cv2.IMWRITE_JPEG_QUALITY, 95])
        (folder / f"{stem}.txt").write_text(f"{stem}.jpg\t{x}\t{y}\t{w}\t{h}\t{text}\n")
    return folder


def names_in_shares(splits: list, per_share: int, prefix: str = "synth") -> dict[str, list[str]]:
    """`per_share` photo names for each share (train, val, test) that every split in `splits` puts in that share."""
    found = {"train": [], "val": [], "test": []}
    for index in range(100_000):
        name = f"{prefix}{index:04d}"
        shares = {split.of(f"{name}.jpg") for split in splits}
        if len(shares) == 1:
            share = shares.pop()
            if len(found[share]) < per_share:
                found[share].append(name)
        if all(len(names) == per_share for names in found.values()):
            return found
    raise AssertionError(f"no {per_share} names per share found for {splits}")


# Brazilian-style registrations (AAA9999 and Mercosul AAA9A99): seven characters, as formats=br expects.
PLATE_TEXTS = ["FZB9581", "HPM9362", "QRS4K21", "ABC1234", "KTX7G05", "MNO2468"]


@pytest.fixture(scope="session")
def photo_folder(tmp_path_factory) -> Path:
    """Six generated photos of clean 7-character plates with their boxes and texts (an OpenALPR-style folder): two
    in each share (train, val, test) of the photo split, both as configs/split/ defines it and as the plate
    experiment (experiment=crnn_plates) overrides it."""
    splits = [photo_split(), photo_split("train", ("experiment=crnn_plates",))]
    names = names_in_shares(splits, per_share=2)
    stems = [name for share in ("train", "val", "test") for name in names[share]]
    return write_photo_folder(tmp_path_factory.mktemp("photos") / "synth", list(zip(stems, PLATE_TEXTS)))


@pytest.fixture
def photos(photo_folder, tmp_path) -> Path:
    """A copy of the generated photo folder that a test may change."""
    folder = tmp_path / "photos"
    folder.mkdir()
    for path in photo_folder.iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    return folder


@pytest.fixture(scope="session")
def segmenter(tmp_path_factory):
    """The character segmenter lpr.read builds from its composed config (configs/segment/)."""
    from lpr.core.config import instantiate

    cfg = compose_config("read", ["ckpt_path=x", "input=x"], tmp_path_factory.mktemp("cfg"))
    return instantiate(cfg.segment)


# ---------------------------------------------------------------------------------------------------------------
# Generated characters and a tiny training on them
# ---------------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory) -> Path:
    """paths.cache_dir for the whole session: generated data sets are made once."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="session")
def char_root(tmp_path_factory) -> Path:
    """A small generated ImageFolder root: train/ and val/, two images of each of the 36 classes in each."""
    from lpr.data.synth_chars import CharSynth

    return CharSynth(per_class={"train": 2, "val": 2}, seed=5).ensure(tmp_path_factory.mktemp("chars"))


def synth_train(cache_dir: Path) -> list[str]:
    """Overrides of one short training of the original CNN on a few generated characters: seconds, and good enough
    to exercise checkpoints, resuming, evaluation and reading."""
    return ["data=synth", "data.synth.per_class={train: 20, val: 5, test: 5}", "data.batch_size=32",
            "model=seed_cnn_v1", "trainer.max_epochs=2", "callbacks.rich_progress_bar=null",
            "+trainer.enable_progress_bar=false", "model.optimizer.lr=0.001", "model.log_confusion=false",
            f"paths.cache_dir={cache_dir}"]


def tiny_crnn(cache_dir) -> list[str]:
    """A few dozen steps on a tiny generated set: exercises training, checkpointing and reading, not accuracy."""
    return ["experiment=crnn_plates", "data.roots=null", "data.synth.count={train: 192, val: 16, test: 16}",
            "data.batch_size=8", "trainer.max_epochs=1", "callbacks.rich_progress_bar=null",
            "+trainer.enable_progress_bar=false", f"paths.cache_dir={cache_dir}"]


def train_run(tmp_path_factory, name: str, overrides: list[str]) -> Path:
    """A finished lpr.train run dir (checkpoints/best.ckpt, last.ckpt, metrics.json) of `overrides`, in a fresh
    temporary folder named after `name`: the session fixtures of both layers train through here."""
    from lpr.cli.train import train

    run_dir = tmp_path_factory.mktemp(name)
    train(compose_config("train", overrides, run_dir))
    return run_dir


def best_ckpt(run_dir: Path) -> Path:
    return run_dir / "checkpoints" / "best.ckpt"


@pytest.fixture(scope="session")
def tiny_train(cache_dir) -> list[str]:
    return synth_train(cache_dir)


@pytest.fixture(scope="session")
def synth_run(tiny_train, tmp_path_factory) -> Path:
    """A finished training run dir on generated characters."""
    return train_run(tmp_path_factory, "synth_run", tiny_train)


@pytest.fixture(scope="session")
def synth_ckpt(synth_run) -> Path:
    return best_ckpt(synth_run)


# ---------------------------------------------------------------------------------------------------------------
# Seeded checkpoints (no training) and their ONNX exports
# ---------------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def small_ckpt(tmp_path_factory):
    """A character checkpoint as lpr.train saves it (net in the hyperparameters), seeded weights, no training."""
    import torch

    from lpr.models.small_cnn import SmallCNN
    from lpr.training.char_module import CharClassifier

    torch.manual_seed(0)
    hyper_parameters = {"net": SmallCNN([8, 16], input_size=28), "optimizer": None, "log_confusion": False}
    path = tmp_path_factory.mktemp("ckpt") / "small.ckpt"
    torch.save({"hyper_parameters": hyper_parameters,
                "state_dict": CharClassifier(**hyper_parameters).state_dict()}, path)
    return path


@pytest.fixture(scope="session")
def small_crnn_ckpt(tmp_path_factory):
    """A whole-plate checkpoint as lpr.train saves it (engine "crnn", net in the hyperparameters), seeded weights."""
    import torch

    from lpr.models.crnn import CRNN
    from lpr.training.plate_module import PlateRecognizer

    torch.manual_seed(0)
    hyper_parameters = {"net": CRNN([8, 16], [[2, 2], [2, 1]], rnn_hidden=16), "optimizer": None, "engine": "crnn"}
    path = tmp_path_factory.mktemp("crnn_ckpt") / "crnn.ckpt"
    torch.save({"hyper_parameters": hyper_parameters,
                "state_dict": PlateRecognizer(**hyper_parameters).state_dict()}, path)
    return path


@pytest.fixture(scope="session")
def exported(small_ckpt, char_root, tmp_path_factory):
    """lpr.export of the seeded character checkpoint, verified on the 72 generated val characters."""
    from lpr.cli.export import export

    run_dir = tmp_path_factory.mktemp("export")
    overrides = [f"ckpt_path={small_ckpt}", f"verify.data_dir={char_root / 'val'}", "verify.max_images=72"]
    return export(compose_config("export", overrides, run_dir)), run_dir


@pytest.fixture(scope="session")
def exported_crnn(small_crnn_ckpt, photo_folder, tmp_path_factory):
    """lpr.export of the seeded whole-plate checkpoint, verified on the plate boxes of the generated photos."""
    from lpr.cli.export import export

    run_dir = tmp_path_factory.mktemp("export_crnn")
    overrides = [f"ckpt_path={small_crnn_ckpt}", f"verify.plates_dir={photo_folder}", "verify.max_plates=24"]
    return export(compose_config("export", overrides, run_dir)), run_dir
