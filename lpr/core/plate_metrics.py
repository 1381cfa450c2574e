"""What a right plate reading is: the one definition of plate accuracy, per-character accuracy and error rate,
used by training (aggregated by torchmetrics) and by reading alike."""
import re

import numpy as np


def normalize_plate(text: str) -> str:
    """Plates compare as upper-case letters and digits only (`ab-12 3` == `AB123`)."""
    return re.sub(r"[^A-Z0-9]", "", text.upper())


def unknown_characters(text: str) -> str:
    """The characters of a label that are neither 0-9, A-Z (either case) nor a separator (`-`, `.`, space, `*`): a
    label with any is refused rather than read without them."""
    return "".join(sorted(set(re.sub(r"[A-Z0-9\-. *]", "", text.upper()))))


def exact_matches(predicted: list[str], target: list[str]) -> list[bool]:
    """Whether each plate is read exactly: the figure of record."""
    return [p == t for p, t in zip(predicted, target, strict=True)]


def char_matches(predicted: str, target: str) -> int:
    """Characters equal at the same position, as fast-plate-ocr's per-character accuracy counts them."""
    return sum(p == t for p, t in zip(predicted, target))


def char_positions(predicted: str, target: str) -> int:
    """Positions a per-character accuracy counts: a missing or extra character is a wrong one."""
    return max(len(predicted), len(target))


def plate_metrics(predictions: list[str], truths: list[str]) -> dict:
    """Exact-match accuracy, per-character and length accuracy and character error rate over labelled plates.

    `plate/acc_o0` is exact match with O and 0 counted as one character: many national fonts draw them alike
    and real labels mix them. It is a diagnostic beside `plate/acc`, which stays the figure of record.
    The character error rate is torchmetrics'; the torch-free `reader` install leaves it out."""
    if not truths:
        return {"plate/n": 0}
    predictions = [normalize_plate(p) for p in predictions]
    positions = sum(map(char_positions, predictions, truths))
    metrics = {"plate/acc": float(np.mean(exact_matches(predictions, truths))),
               "plate/acc_o0": float(np.mean(exact_matches([p.replace("O", "0") for p in predictions],
                                                           [t.replace("O", "0") for t in truths]))),
               "plate/char_acc": sum(map(char_matches, predictions, truths)) / max(1, positions),
               "plate/len_acc": float(np.mean([len(p) == len(t) for p, t in zip(predictions, truths)])),
               "plate/n": len(truths)}
    try:
        from torchmetrics.functional.text import char_error_rate
    except ImportError:
        return metrics
    return {**metrics, "plate/cer": char_error_rate(predictions, truths).item()}
