"""Speed of plate reading: `python -m lpr.bench ckpt_path=CKPT model_path=MODEL.onnx`.

For each backend (torch: the checkpoint; onnx: lpr.export's model on onnxruntime) in a fresh process pinned
to `threads` cores: characters/s of the classifier at batch 1 and batched (classic engine); plates/s and
per-plate latency (p50/p95) reading plate crops (the labelled boxes, locate=none) and photos (locate=auto,
end to end as lpr.read does, decoding included); the time of each stage (decode, locate, then the engine's:
segment, preprocess and model for the classic engine, preprocess and model for the whole-plate CRNN) and the
process's peak memory. Crops are decoded before their timing starts. Prints the figures as a Markdown table and
writes it (results.md) and metrics.json in the run dir. No torch import here: the onnx process stays torch-free.
"""
import json
import multiprocessing
import os
import platform
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from omegaconf import DictConfig, OmegaConf

from lpr.cli.command import command
from lpr.cli.run_files import write_metrics, write_provenance, write_text_atomic
from lpr.core.boxes import crop_box
from lpr.core.config import instantiate
from lpr.core.errors import LprError
from lpr.core.images import read_image
from lpr.core.plate_metrics import plate_metrics
from lpr.core.preprocess import chars_to_batch
from lpr.data.samples import PlateSample, load_plate_samples
from lpr.reading.engines.classic import ClassicEngine
from lpr.reading.engines.base import Engine
from lpr.reading.engines.load import load_engines
from lpr.reading.pipeline import PlateReader


def load_backend_engine(backend: str, cfg: DictConfig) -> Engine:
    """The engine of the checkpoint (torch) or of the exported model (onnx), using `cfg.threads` threads."""
    path = cfg.ckpt_path if backend == "torch" else cfg.model_path
    return load_engines([str(path)], segmenter=instantiate(cfg.segment), threads=cfg.threads)[0]


def chunks(items: list, size: int) -> list[list]:
    return [items[start:start + size] for start in range(0, len(items), size)]


def rate(count: int, seconds: float) -> float:
    return round(count / seconds, 1) if seconds > 0 else 0.0


def latency_ms(read_one, items: list) -> dict:
    """p50 and p95 of milliseconds per call of read_one(item)."""
    times = []
    for item in items:
        started = time.perf_counter()
        read_one(item)
        times.append(1000 * (time.perf_counter() - started))
    return {"p50_ms": round(float(np.percentile(times, 50)), 2), "p95_ms": round(float(np.percentile(times, 95)), 2)}


def staged_read_ms(engine, plate_crops: list[np.ndarray], batch_plates: int) -> dict:
    """Total milliseconds of each engine stage over plate crops, read in batches as the engine does."""
    stages = engine.stages()
    totals = dict.fromkeys([name for name, _ in stages], 0.0)
    for chunk in chunks(plate_crops, batch_plates):
        for name, stage in stages:
            started = time.perf_counter()
            chunk = stage(chunk)
            totals[name] += 1000 * (time.perf_counter() - started)
    return totals


def measure_chars(engine, plate_crops: list[np.ndarray], cfg: DictConfig) -> dict:
    """Characters/s of the classic engine's one model call, on the characters segmented from the plate crops."""
    batch = chars_to_batch([char for crop in plate_crops for char in engine.segmenter(crop).char_crops],
                           engine.input_size)
    engine.classify(batch[:cfg.char_batch])
    started = time.perf_counter()
    for start in range(0, len(batch), cfg.char_batch):
        engine.classify(batch[start:start + cfg.char_batch])
    batched = time.perf_counter() - started
    singles = batch[:cfg.batch1_chars]
    started = time.perf_counter()
    for index in range(len(singles)):
        engine.classify(singles[index:index + 1])
    one_by_one = time.perf_counter() - started
    return {"chars/n": len(batch), "chars/per_s_batch1": rate(len(singles), one_by_one),
            "chars/per_s_batched": rate(len(batch), batched)}


def measure_crops(engine, plate_crops: list[np.ndarray], cfg: DictConfig) -> dict:
    """locate=none on plate crops: plates/s in batches, latency of one plate, stage times per plate."""
    engine.read_crops(plate_crops[:cfg.warmup])
    started = time.perf_counter()
    readings = [reading for chunk in chunks(plate_crops, cfg.batch_plates) for reading in engine.read_crops(chunk)]
    elapsed = time.perf_counter() - started
    stages = staged_read_ms(engine, plate_crops, cfg.batch_plates)
    return {"crops/plates_per_s": rate(len(plate_crops), elapsed),
            **{f"crops/{k}": v for k, v in latency_ms(lambda crop: engine.read_crops([crop]),
                                                     plate_crops[:cfg.latency_items]).items()},
            **{f"crops/stage_ms/{k}": round(v / len(plate_crops), 3) for k, v in stages.items()},
            "crops/texts": [reading.text for reading in readings]}


def measure_photos(engine, samples: list[PlateSample], cfg: DictConfig) -> dict:
    """locate=auto on photos: photos/s end to end as lpr.read reads them, latency of one photo, stage times per photo."""
    reader = PlateReader([engine], instantiate(cfg.locate), instantiate(cfg.segment), cfg.threads)
    problems = []
    reader.read(samples[:cfg.warmup], batch_plates=cfg.batch_plates, problems=problems)
    started = time.perf_counter()
    results = reader.read(samples, batch_plates=cfg.batch_plates, problems=problems)
    elapsed = time.perf_counter() - started
    if problems:
        raise LprError(f"{problems[0]} ({len(problems)} problem(s) reading the benchmark photos)")
    candidate_crops, decode_ms, locate_ms = [], 0.0, 0.0
    for sample in samples:
        started = time.perf_counter()
        image = read_image(sample.image_path, color=True)
        decoded = time.perf_counter()
        candidate_crops += [crop_box(image, box, reader.locator.crop_margin)[0].copy()  # not a view: frees the photo
                            for box in reader.locator.candidates(image)]
        located = time.perf_counter()
        decode_ms += 1000 * (decoded - started)
        locate_ms += 1000 * (located - decoded)
    stages = {"decode": decode_ms, "locate": locate_ms,
              **staged_read_ms(engine, [c for c in candidate_crops if c.size], cfg.batch_plates)}
    return {"photos/per_s": rate(len(samples), elapsed),
            "photos/candidates_per_photo": round(len(candidate_crops) / len(samples), 2),
            **{f"photos/{k}": v for k, v in latency_ms(lambda s: reader.read([s], batch_plates=1, problems=problems),
                                                      samples[:cfg.latency_items]).items()},
            **{f"photos/stage_ms/{k}": round(v / len(samples), 3) for k, v in stages.items()},
            "photos/texts": [result.text for result in results]}


def measure_backend(backend: str, settings: dict, samples: list[PlateSample]) -> dict:
    """Every figure of one backend and the texts it read; run in a fresh process so that its imports and peak
    memory are its own (plate metrics are left to the caller: torchmetrics would import torch here)."""
    cfg = OmegaConf.create(settings)
    engine = load_backend_engine(backend, cfg)
    plate_crops = [crop_box(read_image(s.image_path, color=True), s.box, cfg.crops.crop_margin)[0].copy()
                   for s in samples]
    figures = {**(measure_chars(engine, plate_crops, cfg) if isinstance(engine, ClassicEngine) else {}),
               **measure_crops(engine, plate_crops, cfg), **measure_photos(engine, samples, cfg)}
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # Linux: KiB
    return figures


def bench_samples(cfg: DictConfig) -> list[PlateSample]:
    samples = []
    for folder in cfg.inputs:
        found, problems = load_plate_samples(folder)
        if problems:
            raise LprError(f"{problems[0]} ({len(problems)} problem(s) in {folder})")
        samples += [s for s in found if s.box is not None][:cfg.max_photos]
    if not samples:
        raise LprError(f"inputs: no labelled plate boxes in {list(cfg.inputs)}")
    return samples


def pin_cores(threads: int) -> list[int]:
    """Restrict this process (and the ones it starts) to its first `threads` allowed cores."""
    cores = sorted(os.sched_getaffinity(0))[:threads]
    os.sched_setaffinity(0, cores)
    return cores


def results_table(metrics: dict, cfg: DictConfig, cores: list[int]) -> str:
    """A markdown block: the command, the machine, one row per backend."""
    columns = [("chars/s b1", "chars/per_s_batch1"), ("chars/s batched", "chars/per_s_batched"),
               ("crops plates/s", "crops/plates_per_s"), ("crop p50/p95 ms", "crops/p50_ms", "crops/p95_ms"),
               ("photos/s", "photos/per_s"), ("photo p50/p95 ms", "photos/p50_ms", "photos/p95_ms"),
               ("peak MB", "peak_rss_mb"),
               ("crop ms: segment/prep/model", "crops/stage_ms/segment", "crops/stage_ms/preprocess",
                "crops/stage_ms/model"),
               ("photo ms: decode/locate/segment/prep/model", "photos/stage_ms/decode", "photos/stage_ms/locate",
                "photos/stage_ms/segment", "photos/stage_ms/preprocess", "photos/stage_ms/model")]
    lines = [f"`python -m lpr.bench {' '.join(sys.argv[1:])}`", "",
             f"Machine: {platform.machine()}, {os.cpu_count()} CPU cores, pinned to {len(cores)} ({platform.processor() or 'cpu'}), "
             f"{metrics['n_plates']} plates from {len(cfg.inputs)} folders; {cfg.note or ''}", "",
             "| backend | " + " | ".join(c[0] for c in columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for backend in cfg.backends:
        cells = ["/".join(str(metrics.get(f"{backend}/{key}", "-")) for key in column[1:]) for column in columns]
        lines.append(f"| {backend} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("Plate accuracy, crops / photos: " + ", ".join(
        f"{b} {metrics[f'{b}/crops/acc']:.3f} / {metrics[f'{b}/photos/acc']:.3f}" for b in cfg.backends)
        + "".join(f"; same texts as torch: crops {metrics[f'agree/{b}/crops']:.3f}, photos {metrics[f'agree/{b}/photos']:.3f} ({b})"
                  for b in cfg.backends if f"agree/{b}/crops" in metrics) + ".")
    return "\n".join(lines) + "\n"


def bench(cfg: DictConfig) -> dict:
    run_dir = Path(cfg.paths.output_dir)
    samples = bench_samples(cfg)
    write_provenance(run_dir, cfg)
    cores = pin_cores(cfg.threads)
    settings = OmegaConf.to_container(cfg, resolve=True)
    metrics = {"n_plates": len(samples), "threads": cfg.threads, "ckpt_path": str(cfg.ckpt_path),
               "model_path": str(cfg.model_path)}
    texts = {}
    for backend in cfg.backends:
        # a fresh interpreter per backend: its own imports (onnx: no torch) and its own peak memory
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            figures = pool.submit(measure_backend, backend, settings, samples).result()
        texts[backend] = (figures.pop("crops/texts"), figures.pop("photos/texts"))
        for mode, read_texts in zip(("crops", "photos"), texts[backend]):
            figures[f"{mode}/acc"] = plate_metrics(read_texts, [s.text for s in samples])["plate/acc"]
        metrics.update({f"{backend}/{key}": value for key, value in figures.items()})
        print(f"{backend}: {json.dumps(figures, default=float)}", file=sys.stderr)
    for backend in [b for b in texts if b != "torch" and "torch" in texts]:  # same texts as the torch backend?
        for index, mode in enumerate(("crops", "photos")):
            same = [a == b for a, b in zip(texts["torch"][index], texts[backend][index], strict=True)]
            metrics[f"agree/{backend}/{mode}"] = float(np.mean(same))
    write_metrics(run_dir, metrics)
    table = results_table(metrics, cfg, cores)
    write_text_atomic(run_dir / "results.md", table)
    print(table)
    print(f"Run: {run_dir}  (metrics.json, results.md)", file=sys.stderr)
    return metrics


main = command(bench, "bench")
