"""Privacy for a region's own data: keyed pseudonyms and small-count suppression.

* **Personnummer are never stored.** :func:`pseudonymise` replaces each personal
  identity number with a keyed pseudonym, HMAC-SHA256 under a key that the user
  keeps *outside* the warehouse (``pecdata import --key-file``). The same number
  and key always give the same pseudonym, so a later export can be linked with
  the same key; without the key, the pseudonym cannot be traced back (unlike a
  plain hash, which anyone can compute for every possible number). The import
  then numbers the residents 1..N (löpnummer) in the order of their pseudonyms,
  which says nothing about them, and keeps the pseudonym in ``residents.pseudonym``.
* **Counts under 5 are suppressed** (shown as ``..``) in what the notebooks and reports show for a
  non-synthetic warehouse (:func:`suppress_small_counts`). A suppressed cell
  can be recovered from what is shown beside it: a row or column total, or the
  other cells of a row whose total is published elsewhere. So a row or column
  with a single suppressed cell has its next-smallest cell suppressed too
  (complementary suppression), repeated until no row or column has exactly one.
* **Figures too.** :func:`protect_figures` (switched on by ``open_region`` for a
  non-synthetic warehouse) makes pecdata's figure functions leave out every bar,
  point or segment that shows a count from 1 to 4, or a share or rate computed
  from one, and say in a footnote how many they left out
  (:mod:`pecdata.plots.protect`). Figures a participant draws with matplotlib or
  seaborn directly are not checked: draw them from a table that has been through
  :func:`suppress_small_counts`, or with pecdata's figure functions.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "pseudonymise",
    "read_key",
    "suppress_small_counts",
    "protect_figures",
    "protecting_figures",
    "SMALL",
    "SUPPRESSED",
]

#: Counts from 1 to SMALL - 1 are suppressed (0 is shown: it reveals no person).
SMALL = 5
#: What a suppressed cell shows.
SUPPRESSED = ".."
#: Columns never treated as counts: keys, years and ages.
_NOT_COUNTS = re.compile(r"(^year$|^age|_id$|_code$|^step$)")
#: A personnummer with its century: YYYYMMDD, an optional - or +, four digits.
PERSONNUMMER = re.compile(r"^(18|19|20)\d{6}[-+]?\d{4}$")
_MIN_KEY_BYTES = 16


def read_key(file: str | Path, warehouse: str | Path | None = None) -> bytes:
    """The pseudonym key from ``file``, refusing a short key or one inside the warehouse.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "key"
    >>> _ = f.write_bytes(b"0123456789abcdef-secret")
    >>> len(read_key(f))
    23
    """
    file = Path(file)
    if not file.is_file():
        raise FileNotFoundError(
            f"no key file {file}; create one, e.g. `head -c 32 /dev/urandom > {file}`"
        )
    if warehouse is not None and Path(warehouse).resolve() in file.resolve().parents:
        raise ValueError(
            f"the key file {file} is inside the warehouse folder {warehouse}: keep it outside, "
            "or anyone with the warehouse can link the pseudonyms back"
        )
    key = file.read_bytes().strip()
    if len(key) < _MIN_KEY_BYTES:
        raise ValueError(
            f"the key in {file} is too short ({len(key)} bytes; at least {_MIN_KEY_BYTES})"
        )
    return key


def pseudonymise(values: Iterable, key: bytes, what: str = "resident_id") -> np.ndarray:
    """Keyed pseudonyms (positive 63-bit integers) for personnummer.

    Each number must be written with its century (``YYYYMMDD-NNNN`` or
    ``YYYYMMDDNNNN``); the dash or plus is dropped before hashing, so both forms
    give the same pseudonym. A 10-digit number (no century) is refused: which
    century it means is a guess.

    Examples
    --------
    >>> a = pseudonymise(["19500101-1234", "195001011234"], b"0123456789abcdef")
    >>> bool(a[0] == a[1] and a[0] > 0)
    True
    >>> bool(pseudonymise(["19500101-1234"], b"another key 12345")[0] == a[0])
    False
    """
    text = pd.Series(list(values), dtype=object).astype(str).str.strip()
    bad = ~text.str.match(PERSONNUMMER)
    if bad.any():
        row = int(np.argmax(bad.to_numpy()))
        raise ValueError(
            f"{what}: {int(bad.sum()):,} values are not personnummer with the century "
            f"(YYYYMMDD-NNNN), e.g. row {row} ({_mask(text.iloc[row])}); write them with "
            "the century before the import"
        )
    digits = text.str.replace(r"[-+]", "", regex=True)
    uniq, inverse = np.unique(digits.to_numpy(dtype=str), return_inverse=True)
    codes = np.array(
        [
            int.from_bytes(hmac.new(key, u.encode(), hashlib.sha256).digest()[:8], "big") >> 1
            for u in uniq
        ],
        dtype=np.int64,
    )
    codes[codes == 0] = 1
    return codes[inverse]


def _mask(value: str) -> str:
    """A personnummer-like value shown without its last four digits."""
    return value[:-4] + "****" if len(value) > 4 else "****"


def looks_like_personnummer(s: pd.Series) -> bool:
    """True if a column's values look like personnummer (to refuse storing them)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        sample = pd.Series(s.dtype.categories[:2000])
    elif pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_float_dtype(s.dtype):
        return False
    elif pd.api.types.is_datetime64_any_dtype(s.dtype):
        return False
    else:
        sample = s.iloc[:2000]
    sample = sample.dropna().astype(str).str.strip()
    return bool(len(sample)) and bool(sample.str.match(PERSONNUMMER).mean() > 0.5)


def _count_columns(df: pd.DataFrame, columns) -> list[str]:
    if columns is not None:
        return list(columns)
    return [
        c
        for c in df.columns
        if pd.api.types.is_integer_dtype(df[c].dtype)
        and not pd.api.types.is_bool_dtype(df[c].dtype)
        and not _NOT_COUNTS.search(str(c))
    ]


def suppress_small_counts(
    df: pd.DataFrame, columns: Iterable[str] | None = None, threshold: int = SMALL
) -> pd.DataFrame:
    """A copy of ``df`` with counts from 1 to ``threshold - 1`` shown as ``".."``.

    Counts are the integer columns (other than years, ages, keys and codes:
    names ``year``, ``age*``, ``*_id``, ``*_code``, ``step``) or the ``columns``
    given. Complementary cells are suppressed too: in every row, and in every
    count column, that has exactly one suppressed cell, the smallest other
    non-zero count is suppressed as well, so that no cell can be recovered by
    subtracting the shown cells from a total. Zeros are shown.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"unit": ["A", "B", "C"], "women": [3, 12, 40], "men": [10, 20, 30]})
    >>> suppress_small_counts(df)
      unit women men
    0    A    ..  ..
    1    B    ..  ..
    2    C    40  30
    """
    cols = _count_columns(df, columns)
    out = df.copy()
    if not cols or not len(df):
        return out
    values = df[cols].to_numpy(dtype=float, na_value=np.nan)
    hide = (values > 0) & (values < threshold)
    while True:
        added = False
        for axis in (1, 0):
            lone = hide.sum(axis=axis) == 1
            if not lone.any() or values.shape[axis] < 2:
                continue
            for i in np.flatnonzero(lone):
                line = values[i] if axis == 1 else values[:, i]
                hidden = hide[i] if axis == 1 else hide[:, i]
                candidates = np.where(~hidden & (line > 0), line, np.inf)
                if np.isfinite(candidates).any():
                    j = int(np.argmin(candidates))
                    if axis == 1:
                        hide[i, j] = True
                    else:
                        hide[j, i] = True
                    added = True
        if not added:
            break
    for k, c in enumerate(cols):
        if hide[:, k].any():
            column = out[c].astype(object)
            column[hide[:, k]] = SUPPRESSED
            out[c] = column
    return out


def install_display_hook() -> bool:
    """Show every DataFrame in IPython with :func:`suppress_small_counts` applied.

    Returns True if installed (inside IPython), False otherwise.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return False
    ip = get_ipython()
    if ip is None:
        return False
    formatters = ip.display_formatter.formatters
    formatters["text/html"].for_type(pd.DataFrame, lambda df: suppress_small_counts(df).to_html())
    formatters["text/plain"].for_type(
        pd.DataFrame, lambda df, p, cycle: p.text(repr(suppress_small_counts(df)))
    )
    return True


#: Whether pecdata's figures leave out small counts (see :func:`protect_figures`).
_FIGURES = {"protect": False}


def protect_figures(on: bool = True) -> None:
    """Make pecdata's figure functions leave out counts under :data:`SMALL` (or stop).

    ``open_region`` switches this on when it opens a region's own (non-synthetic)
    warehouse, for the rest of the Python session. With it on, every figure
    function of :mod:`pecdata.plots`, :mod:`pecdata.followup` leaves out each bar,
    point or segment whose count (or the numerator or denominator of its share or
    rate) is from 1 to ``SMALL - 1`` and writes how many it left out beneath.

    Examples
    --------
    >>> protect_figures(); protecting_figures()
    True
    >>> protect_figures(False); protecting_figures()
    False
    """
    _FIGURES["protect"] = bool(on)


def protecting_figures() -> bool:
    """True if figures leave out small counts (:func:`protect_figures`)."""
    return _FIGURES["protect"]
