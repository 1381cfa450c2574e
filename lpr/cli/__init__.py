"""Entry points: compose the config, call the library, write the run's outputs. `python -m lpr.<name>` runs them."""
