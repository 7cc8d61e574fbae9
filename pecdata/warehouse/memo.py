"""Remember, per user, which warehouse folders passed validation, so they are not validated twice.

Validating the teaching region's tables takes a second or two, and every notebook
of a course opens the same folder: :func:`pecdata.warehouse.load` asks
:func:`validated_key` for a key of what it is about to validate and skips the
validation when :func:`was_valid` finds it, then :func:`remember_valid` records
a success. Failures are never remembered: an invalid warehouse is refused, with
its full message, every time.

The key changes whenever anything validation depends on changes:

* ``metadata.json``'s bytes (which list every table with its SHA-256, size and
  modification time);
* every Parquet file read: its size, modification and change times (ns), inode and
  device. Writing a file, even keeping its size and putting its modification time
  back, changes its change time (``st_ctime_ns``, which no user can set);
* the tables required, and the source code of the rules (the warehouse package's
  modules) and the versions of pandas, pyarrow and pandera.

The records live in the user's cache folder (``$PECDATA_CACHE_DIR``, else
``$XDG_CACHE_HOME/pecdata``, else ``~/.cache/pecdata``), never in the warehouse
folder, so nothing the warehouse's own rules protect (its listed files, a user's
files beside them) is ever written. Set ``PECDATA_CACHE_DIR`` to an empty string to
turn the cache off. A cache that cannot be read or written only costs the
validation it would have saved.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

__all__ = ["cache_dir", "validated_key", "was_valid", "remember_valid"]

_PACKAGE = Path(__file__).resolve().parent  # pecdata/warehouse: the rules
#: Records kept: the most recently validated folder states.
KEEP = 256


def cache_dir() -> Path | None:
    """The user's pecdata cache folder, or None when the cache is turned off.

    Examples
    --------
    >>> folder = cache_dir()
    >>> folder is None or folder.is_absolute()
    True
    """
    chosen = os.environ.get("PECDATA_CACHE_DIR")
    if chosen is not None:
        return Path(chosen) if chosen.strip() else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "pecdata"


@lru_cache(maxsize=1)
def _code_fingerprint() -> str:
    from importlib.metadata import PackageNotFoundError, version

    h = hashlib.sha256()
    for file in sorted(_PACKAGE.rglob("*.py")):  # the schema is a sub-package
        name = file.relative_to(_PACKAGE).as_posix()
        h.update(name.encode() + b"\0" + file.read_bytes() + b"\0")
    for name in ("pandas", "pyarrow", "pandera", "numpy"):  # not imported: pandera is slow to
        try:
            h.update(f"{name}={version(name)}\0".encode())
        except PackageNotFoundError:
            h.update(f"{name}=?\0".encode())
    return h.hexdigest()


def validated_key(path: Path, metadata_file: Path, files: Iterable[Path], required) -> str:
    """A hash of everything the validation of these files depends on (see the module)."""
    h = hashlib.sha256()
    h.update(_code_fingerprint().encode() + b"\0")
    h.update(str(Path(path).resolve()).encode() + b"\0")
    h.update(metadata_file.read_bytes() + b"\0")
    h.update(json.dumps(None if required is None else sorted(required)).encode() + b"\0")
    for file in files:
        st = os.stat(file)
        stamp = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)
        h.update(f"{Path(file).name}:{stamp}\0".encode())
    return h.hexdigest()


def _record(key: str) -> Path | None:
    folder = cache_dir()
    return None if folder is None else folder / "validated" / f"{key}.json"


def was_valid(key: str) -> bool:
    """Whether a validation with this key passed before."""
    record = _record(key)
    try:
        return record is not None and json.loads(record.read_text("utf-8")).get("key") == key
    except (OSError, ValueError, AttributeError):
        return False


def remember_valid(key: str, path: Path) -> None:
    """Record that a validation with this key passed (quietly skipped if it cannot be written)."""
    record = _record(key)
    if record is None:
        return
    try:
        record.parent.mkdir(parents=True, exist_ok=True)
        tmp = record.with_name(f".{key}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"key": key, "path": str(path)}), encoding="utf-8")
        os.replace(tmp, record)
        _prune(record.parent)
    except OSError:
        pass


def _prune(folder: Path) -> None:
    """Forget all but the :data:`KEEP` most recent records (each is a few hundred bytes)."""
    keep, records = KEEP, list(folder.glob("*.json"))
    if len(records) <= keep:
        return
    records.sort(key=lambda p: (p.stat().st_mtime_ns, p.name))
    for old in records[: len(records) - keep]:
        old.unlink(missing_ok=True)
