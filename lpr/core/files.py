"""Files written whole or not at all: a stop or a full disk mid-write leaves the old file or none, never half of one
and no temporary file beside it."""
import contextlib
import os
from pathlib import Path


@contextlib.contextmanager
def written_whole(path: Path):
    """The temporary file beside `path` to write in the block; renamed onto `path` once the block ends. If the block
    fails the temporary file is removed, and an OSError names `path`, the file the user knows."""
    partial = path.with_name(path.name + ".partial")
    try:
        yield partial
        os.replace(partial, path)
    except BaseException as error:
        partial.unlink(missing_ok=True)
        if isinstance(error, OSError) and error.errno is not None:
            raise OSError(error.errno, error.strerror, str(path)) from error
        raise
