"""lpr: license plate recognition research framework (PyTorch Lightning + Hydra)."""
import os

# albumentations checks PyPI for updates at import unless told not to; lpr must work offline.
os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")
