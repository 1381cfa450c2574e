"""LightningModules, their callbacks, and checkpoints: writing them atomically and loading them back."""
