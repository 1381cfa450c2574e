"""What a dataset on disk holds and what is wrong with it, before a training finds out: `lpr data validate|stats`.

Any folder lpr reads is a dataset here: an ImageFolder root (`[train/ val/ test/] class_X/*.jpg`), plate crops with
`labels.csv`, a fast-plate-ocr CSV (`image_path,plate_text[,plate_region]`), an OpenALPR folder, a `boxes.csv`
detection folder, or any of them under `train/ val/ test/`. Its share of each image is its split folder, or else
the photo split (configs/split/) that lpr's trainings split it by.
"""
import hashlib
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from lpr.core.alphabet import folder_to_char, holds_class_folders
from lpr.core.errors import LprError
from lpr.core.images import decode_image, is_image_file
from lpr.data.box_folders import boxes_csv_entries, image_size
from lpr.data.samples import load_plate_samples
from lpr.data.split import PhotoSplit

SHARES = ("train", "val", "test")


@dataclass
class Entry:
    """One listed image: its label (a character class or a plate text; None for boxes only), its plates' boxes
    (x, y, w, h), its share, and where it is listed (for problem lines)."""

    image_path: Path
    label: str | None
    share: str
    source: str
    boxes: list[tuple[float, float, float, float]] = field(default_factory=list)


@dataclass
class Dataset:
    kind: str
    entries: list[Entry]
    problems: list[str]  # what loading it found: malformed rows, missing images, unknown characters or classes


def load_dataset(path: str | Path, split: PhotoSplit) -> Dataset:
    """Every entry of a dataset in any format lpr reads; LprError where `path` is none of them."""
    path = Path(path)
    if not path.exists():
        raise LprError(f"{path}: no such file or folder")
    splits = [path / share for share in SHARES if (path / share).is_dir()]
    if path.is_dir() and splits and not holds_class_folders(path):
        parts = [load_dataset_share(folder, split, folder.name) for folder in splits]
        return Dataset(parts[0].kind, [e for p in parts for e in p.entries], [q for p in parts for q in p.problems])
    return load_dataset_share(path, split, None)


def load_dataset_share(path: Path, split: PhotoSplit, share: str | None) -> Dataset:
    """One folder (or CSV) of a dataset; `share` None: each image's share by the photo split."""
    def share_of(image_path: Path) -> str:
        return share or split.of(image_path.name)

    if path.is_dir() and holds_class_folders(path):
        return image_folder(path, share or "")
    if path.is_dir() and (path / "boxes.csv").is_file():
        rows, problems = boxes_csv_entries(path / "boxes.csv")
        entries: dict[Path, Entry] = {}
        for row in rows:
            entry = entries.setdefault(row.image_path,
                                       Entry(row.image_path, None, share_of(row.image_path), row.source))
            entry.boxes += [row.box] if row.box else []
        return Dataset("boxes.csv detection folder", list(entries.values()), problems)
    samples, problems = load_plate_samples(path)
    kind = ("fast-plate-ocr CSV" if path.is_file() else "plate crops (labels.csv)" if (path / "labels.csv").is_file()
            else "OpenALPR folder" if any(s.box for s in samples) else "folder of images")
    return Dataset(kind, [Entry(s.image_path, s.text, share_of(s.image_path), str(s.image_path),
                                [s.box] if s.box else []) for s in samples], problems)


def image_folder(split_dir: Path, share: str) -> Dataset:
    entries, problems = [], []
    for folder in sorted(p for p in split_dir.iterdir() if p.is_dir()):
        try:
            char = folder_to_char(folder)
        except LprError as error:
            problems.append(str(error))
            continue
        images = [p for p in sorted(folder.iterdir()) if is_image_file(p)]
        if not images:
            problems.append(f"{folder}: empty class folder")
        entries += [Entry(p, char, share, str(p)) for p in images]
    return Dataset("ImageFolder", entries, problems)


def validate(dataset: Dataset, threads: int = 2) -> list[str]:
    """One line a problem: what loading found, then unreadable images, empty texts, boxes outside their image, the
    same image listed twice or stored twice, and the same plate in two shares (what leaks a test into training)."""
    problems = list(dataset.problems)
    with ThreadPoolExecutor(threads) as pool:
        digests = list(pool.map(check_image, dataset.entries))
    by_digest = defaultdict(list)
    for entry, (digest, problem) in zip(dataset.entries, digests):
        if problem:
            problems.append(problem)
        else:
            by_digest[digest].append(entry)
        if entry.label == "":
            problems.append(f"{entry.source}: empty text")
    problems += [f"{entry.source}: the same image as {first.source}" + (
        f" in another share ({first.share} and {entry.share})" if entry.share != first.share else "")
        for first, *others in by_digest.values() for entry in others]
    plates = defaultdict(dict)
    if dataset.kind != "ImageFolder":
        for entry in dataset.entries:
            if entry.label:
                plates[entry.label].setdefault(entry.share, entry)
    problems += [f"plate {text} is in {' and '.join(f'{share} ({entry.source})' for share, entry in shares.items())}"
                 for text, shares in plates.items() if len(shares) > 1]
    return problems


def check_image(entry: Entry) -> tuple[str, str | None]:
    """The image's content digest, and its problem (unreadable, a box outside it) or None."""
    try:
        data = entry.image_path.read_bytes()
        image = decode_image(data, str(entry.image_path))
    except (OSError, LprError) as error:
        return "", str(error) if isinstance(error, LprError) else f"{entry.image_path}: {error.strerror}"
    height, width = image.shape[:2]
    for x, y, w, h in entry.boxes:
        if w <= 0 or h <= 0 or x < -1 or y < -1 or x + w > width + 1 or y + h > height + 1:
            return "", f"{entry.source}: box {(x, y, w, h)} lies outside the {width}x{height} image"
    return hashlib.sha1(data).hexdigest(), None


def image_sizes(dataset: Dataset) -> list[tuple[int, int]]:
    """(width, height) of every readable image, from its header alone: read once for the figures and the plot."""
    return [size for e in dataset.entries if (size := header_size(e.image_path))]


def statistics(dataset: Dataset, sizes: list[tuple[int, int]]) -> dict:
    """Counts by share, label lengths, character frequencies, image sizes and boxes, as flat keys."""
    stats = {"kind": dataset.kind, "n_images": len(dataset.entries), "n_problems_loading": len(dataset.problems)}
    stats.update({f"share/{share}": n for share, n in sorted(Counter(e.share or "-" for e in dataset.entries).items())})
    labels = [e.label for e in dataset.entries if e.label]
    stats.update({f"length/{n}": count for n, count in sorted(Counter(map(len, labels)).items())})
    stats.update({f"char/{char}": count for char, count in sorted(Counter("".join(labels)).items())})
    for axis, values in (("width", [w for w, _ in sizes]), ("height", [h for _, h in sizes])):
        if values:
            ordered = sorted(values)
            stats.update({f"{axis}/min": ordered[0], f"{axis}/median": ordered[len(ordered) // 2],
                          f"{axis}/max": ordered[-1]})
    boxes = [box for e in dataset.entries for box in e.boxes]
    if boxes:
        stats.update({"boxes/n": len(boxes), "boxes/median_width": sorted(b[2] for b in boxes)[len(boxes) // 2],
                      "boxes/images_without": sum(not e.boxes for e in dataset.entries)})
    return stats


def header_size(image_path: Path) -> tuple[int, int] | None:
    try:
        return image_size(image_path)
    except (OSError, Image.DecompressionBombError):  # unreadable or too large: validate names it
        return None


def plot(dataset: Dataset, stats: dict, sizes: list[tuple[int, int]], path: Path) -> None:
    """A PNG of the statistics: shares, label lengths, character frequencies, image sizes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(2, 2, figsize=(11, 7))
    for axis, prefix, title in ((axes[0, 0], "share/", "images by share"), (axes[0, 1], "length/", "label length"),
                                (axes[1, 0], "char/", "characters")):
        items = [(key.removeprefix(prefix), value) for key, value in stats.items() if key.startswith(prefix)]
        axis.bar([k for k, _ in items], [v for _, v in items], color="tab:blue")
        axis.set_title(title)
        axis.tick_params(axis="x", labelsize=7)
    axes[1, 1].scatter([w for w, _ in sizes], [h for _, h in sizes], s=4, alpha=0.5)
    axes[1, 1].set(title="image sizes (px)", xlabel="width", ylabel="height")
    figure.suptitle(f"{path.stem}: {dataset.kind}, {stats['n_images']} images")
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)
