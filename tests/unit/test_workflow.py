"""Research workflow: every model config trains, sweeps write runs that lpr.compare tabulates, Optuna searches,
launchers compose, and DDP trains on CPU with two processes. All on a few generated characters."""
import csv
import json

import optuna
import pytest
import yaml
from lightning import LightningModule
from omegaconf import OmegaConf
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from tests.conftest import CONFIGS, compose_config, hydra_config, run_cli, run_in_process

# configs/model/ also holds nets for other tasks (the plate CRNN); these tests are for the character classifiers
CHAR_MODELS = [path.stem for path in sorted((CONFIGS / "model").glob("*.yaml"))
               if hydra_config("train", [f"model={path.stem}"]).model._target_
               == "lpr.training.char_module.CharClassifier"]


@pytest.fixture(scope="module")
def tiny(cache_dir) -> list[str]:
    """A few batches of generated characters (the set of tests.conftest.synth_train, made once a session), no progress
    bar, no confusion figure: each run takes seconds."""
    return ["data=synth", "data.synth.per_class={train: 20, val: 5, test: 5}", f"paths.cache_dir={cache_dir}",
            "data.check_images=false", "+trainer.limit_train_batches=2", "+trainer.limit_val_batches=2",
            "trainer.max_epochs=1", "callbacks.rich_progress_bar=null", "+trainer.enable_progress_bar=false",
            "model.log_confusion=false"]


def test_there_are_character_models():
    assert {"seed_cnn", "small_cnn", "resnet"} <= set(CHAR_MODELS)


@pytest.mark.parametrize("model", CHAR_MODELS)
def test_model_config_trains_and_logs_its_views(model, tiny, tmp_path):
    from lpr.cli.train import train
    from lpr.core.config import instantiate

    cfg = compose_config("train", [f"model={model}", *tiny], tmp_path)
    net = instantiate(cfg.model.net)
    assert not isinstance(net, LightningModule) and net.input_size == cfg.data.image_size
    metrics = train(cfg)
    assert metrics["epochs"] == 1 and 0.0 <= metrics["val/acc_best"] <= 1.0
    assert json.loads((tmp_path / "metrics.json").read_text())["model/params"] > 0
    events = EventAccumulator(str(tmp_path / "tensorboard"), size_guidance={"images": 0})
    events.Reload()
    assert {"val/misclassified", "train/augmented_batch"} <= set(events.Tags()["images"])


@pytest.mark.parametrize("model", CHAR_MODELS)
def test_optuna_search_space_names_existing_keys(model):
    cfg = hydra_config("train", [f"model={model}", "hparams_search=optuna"])
    assert cfg.hydra.sweeper.direction == "maximize" and cfg.optimized_metric == "val/acc_best"
    for key in cfg.hydra.sweeper.params:
        assert OmegaConf.select(cfg, key) is not None, f"hparams_search/optuna searches {key}, absent from model={model}"


def test_launcher_configs_compose():
    slurm = hydra_config("train", ["hydra/launcher=slurm"]).hydra.launcher
    assert slurm._target_.endswith("SlurmLauncher")
    assert {"partition", "account", "timeout_min", "gpus_per_node", "cpus_per_task", "mem_gb", "setup"} <= set(slurm)
    parallel = hydra_config("train", ["hydra/launcher=parallel"]).hydra.launcher
    assert parallel._target_.endswith("JoblibLauncher") and parallel.n_jobs == 2


def test_compare_refuses_a_folder_without_runs(tmp_path, capsys):
    from lpr.cli.compare import main

    with pytest.raises(SystemExit) as exit_info:
        main([str(tmp_path)])
    assert exit_info.value.code == 2 and "no training runs" in capsys.readouterr().err


def test_compare_of_runs_without_their_objective_names_what_they_have(tmp_path, capsys):
    """Runs stopped before they validated hold no val/acc_best: one line naming the metrics there are to sort by;
    with one run holding it, the others are tabulated last."""
    from lpr.cli.compare import main

    for name, metrics in (("0", {"train_time_s": 3.0}), ("1", {"train_time_s": 4.0})):
        (tmp_path / name / ".hydra").mkdir(parents=True)
        (tmp_path / name / ".hydra" / "config.yaml").write_text("task_name: train\noptimized_metric: val/acc_best\n")
        (tmp_path / name / ".hydra" / "overrides.yaml").write_text(f"- seed={name}\n")
        (tmp_path / name / "metrics.json").write_text(json.dumps(metrics))
    with pytest.raises(SystemExit) as exit_info:
        main([str(tmp_path)])
    error = capsys.readouterr().err
    assert exit_info.value.code == 2 and "no run has val/acc_best" in error and "train_time_s" in error
    (tmp_path / "1" / "metrics.json").write_text(json.dumps({"train_time_s": 4.0, "val/acc_best": 0.5}))
    main([str(tmp_path)])
    assert (tmp_path / "compare.png").stat().st_size > 0


@pytest.mark.slow
def test_grid_sweep_writes_runs_that_compare_tabulates(tiny, char_root, tmp_path):
    from lpr.cli.compare import main as compare_main
    from lpr.cli.eval import evaluate

    sweep = tmp_path / "sweep"
    result = run_in_process("lpr.train", "-m", "model=small_cnn,resnet", *tiny, f"hydra.sweep.dir={sweep}")
    assert result.returncode == 0, result.stderr[-3000:]
    assert sorted(path.parent.name for path in sweep.glob("*/metrics.json")) == ["0", "1"]

    zero_shot_dir = sweep / "1" / "eval" / "other-chars"
    evaluate(compose_config("eval", [f"ckpt_path={sweep / '1' / 'checkpoints' / 'best.ckpt'}",
                                     f"data.root={char_root}"], zero_shot_dir))
    compare_main([str(sweep)])
    with open(sweep / "compare.csv") as file:
        rows = list(csv.DictReader(file))
    assert sorted(row["model"] for row in rows) == ["resnet", "small_cnn"]
    assert [float(row["val/acc_best"]) for row in rows] == sorted((float(row["val/acc_best"]) for row in rows),
                                                                  reverse=True)
    resnet = next(row for row in rows if row["model"] == "resnet")
    assert float(resnet["other-chars/eval/acc"]) >= 0.0 and int(resnet["model/params"]) > 0
    assert "| model |" in (sweep / "compare.md").read_text()
    assert (sweep / "compare.png").stat().st_size > 0


@pytest.mark.slow
def test_optuna_search_on_submitit_local_stores_its_trials(tiny, tmp_path):
    storage = f"sqlite:///{tmp_path / 'optuna.db'}"
    search = tmp_path / "search"
    result = run_cli("lpr.train", "hparams_search=optuna", "model=small_cnn", *tiny, "hydra/launcher=submitit_local",
                     "hydra.sweeper.n_trials=2", "hydra.sweeper.n_jobs=2", f"hydra.sweeper.storage='{storage}'",
                     "hydra.sweeper.study_name=test", f"hydra.sweep.dir={search}")
    assert result.returncode == 0, result.stderr[-3000:]
    assert sorted(path.parent.name for path in search.glob("*/metrics.json")) == ["0", "1"]
    best = yaml.safe_load((search / "optimization_results.yaml").read_text())
    assert 0.0 <= best["best_value"] <= 1.0 and "model.optimizer.lr" in best["best_params"]
    study = optuna.load_study(study_name="test", storage=storage)
    assert [trial.state for trial in study.trials] == [optuna.trial.TrialState.COMPLETE] * 2


@pytest.mark.slow
def test_ddp_on_cpu_trains_one_epoch_with_two_processes(tiny, tmp_path):
    result = run_cli("lpr.train", "trainer=ddp", "trainer.accelerator=cpu", "trainer.devices=2", "model=small_cnn",
                     *tiny, f"hydra.run.dir={tmp_path}")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "MEMBER: 2/2" in result.stdout + result.stderr
    assert json.loads((tmp_path / "metrics.json").read_text())["epochs"] == 1
