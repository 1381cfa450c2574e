"""lpr: license plate recognition research framework (PyTorch Lightning + Hydra)."""
import os

# albumentations checks PyPI for updates at import unless told not to; lpr must work offline.
os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")


def __getattr__(name: str):
    """`from lpr import Reader`: the Python API (lpr.reading.api), imported only when asked for."""
    if name in ("Reader", "Plate"):
        from lpr.reading import api

        return getattr(api, name)
    raise AttributeError(f"module 'lpr' has no attribute {name!r}")
