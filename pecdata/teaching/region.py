"""The warehouse a notebook works on: :func:`open_region`.

Its own module, apart from the exercise build (:mod:`pecdata.teaching.exercises`),
so that opening the region in a notebook's kernel does not import nbformat and its
JSON-schema machinery (about 1.5 s per kernel).

:func:`preload` is for the template process of ``pecdata course check``'s warm kernels
(:mod:`pecdata.teaching.course.warm`): it loads the cohort's region once, and the first
:func:`open_region` of that folder in each kernel forked from it gets that warehouse (its
own copy, by ``fork``) instead of reading the Parquet files again, provided no file of
the folder changed since.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["open_region", "preload"]

#: Resolved folder -> (its files' stamp, the warehouse loaded): see :func:`preload`.
_PRELOADED: dict[str, tuple[str, object]] = {}


def _stamp(path: Path) -> str:
    from pecdata.warehouse import METADATA_FILE
    from pecdata.warehouse.memo import validated_key

    return validated_key(path, path / METADATA_FILE, sorted(path.glob("*.parquet")), None)


def preload(data_dir) -> None:
    """Load and validate the warehouse in ``data_dir`` for the next :func:`open_region` of it."""
    from pecdata.warehouse import load

    path = Path(data_dir).resolve()
    stamp = _stamp(path)
    _PRELOADED[str(path)] = (stamp, load(path))


def _load(data_dir):
    """``load(data_dir)``, or the warehouse preloaded from it if its files are unchanged."""
    from pecdata.warehouse import load

    path = Path(data_dir).resolve()
    stamp, wh = _PRELOADED.pop(str(path), (None, None))  # handed out once
    if wh is not None and stamp == _stamp(path):
        wh.path = Path(data_dir)
        return wh
    return load(data_dir)


def open_region(data_dir, residents: int, years: int, seed: int):
    """The warehouse a notebook works on: saved in ``data_dir`` or generated in memory.

    The saved warehouse is used when its ``metadata.json`` records the same
    residents, years and seed; otherwise (another size or seed, or no folder)
    the region is generated in memory, which takes a few seconds. A region's own
    (imported, non-synthetic) warehouse is always used, whatever the arguments,
    and DataFrames are then displayed with counts under 5 suppressed
    (:func:`pecdata.suppress_small_counts`), and pecdata's figures leave them out
    (:func:`pecdata.protect_figures`). Either way the saved warehouse is
    validated first: invalid data raise the validation message.

    Parameters
    ----------
    data_dir : str or Path
        A warehouse folder (``make data`` builds ``data/region``).
    residents, years, seed : int
        The arguments of :func:`pecdata.generation.generate`.

    Returns
    -------
    Warehouse

    Examples
    --------
    >>> wh = open_region("no/such/folder", residents=500, years=3, seed=1)
    >>> wh.meta["residents"], wh.meta["seed"]
    (500, 1)
    """
    from pecdata.warehouse import METADATA_FILE, is_synthetic, read_metadata
    from pecdata.warehouse.privacy import install_display_hook, protect_figures

    if (Path(data_dir) / METADATA_FILE).is_file():
        saved = read_metadata(data_dir)  # a clear error if it is damaged
        if not is_synthetic(saved):  # a region's own data: always it, counts suppressed
            wh = _load(data_dir)
            install_display_hook()
            protect_figures()
            return wh
        saved = saved.get("meta", {})
        if (saved.get("residents"), saved.get("years"), saved.get("seed")) == (
            residents,
            years,
            seed,
        ):
            return _load(data_dir)
    from pecdata.generation import generate

    return generate(residents=residents, years=years, seed=seed)
