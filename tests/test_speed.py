"""The fast paths taken for speed give the same answers as the plain pandas they replace."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from hypothesis import given, settings
from hypothesis import strategies as st

from pecdata.warehouse import relations as R
from pecdata.warehouse import save

small_ints = st.lists(st.integers(-3, 3), min_size=0, max_size=40)


@settings(max_examples=200, deadline=None)
@given(small_ints, small_ints, st.booleans())
def test_composite_key_duplicates_are_those_pandas_finds(a, b, categorical):
    n = min(len(a), len(b))
    df = pd.DataFrame({"a": np.array(a[:n], np.int64), "b": np.array(b[:n], np.int64)})
    if categorical:
        df["b"] = df["b"].map(lambda v: f"x{v}").astype("category")
    want = df.duplicated(subset=["a", "b"], keep=False).to_numpy()
    got = R._duplicated(df, ["a", "b"])
    assert np.array_equal(np.zeros(n, bool) if got is None else got, want)


@settings(max_examples=200, deadline=None)
@given(small_ints, st.lists(st.one_of(st.none(), st.integers(-5, 5)), max_size=40))
def test_unknown_references_are_those_isin_finds(parent, child):
    p = pd.Series(parent, dtype="Int64")
    c = pd.Series(child, dtype="Int64")
    want = c.notna().to_numpy() & ~c.isin(parent).to_numpy()
    assert np.array_equal(R._unknown(c, p), want)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(-(4 * 10**15), 4 * 10**15)), max_size=30))
def test_calendar_days_are_those_of_normalize(microseconds):
    # times from about 1843 to 2096, some missing
    values = [np.datetime64("NaT") if m is None else np.datetime64(m, "us") for m in microseconds]
    times = pd.Series(np.array(values, dtype="datetime64[us]"))
    want = (times.dt.normalize() - pd.Timestamp(0)).dt.days.to_numpy(dtype=float, na_value=np.nan)
    assert np.array_equal(R._days(times), want, equal_nan=True)


def test_parquet_encodings_read_back_the_same_tables(tmp_path):
    df = pd.DataFrame(
        {
            "id": np.arange(5, dtype=np.int64),
            "unit": pd.Categorical(["a", "b", "a", "c", "a"]),
            "name": pd.array(["x", "y", None, "x", "z"], dtype="string"),
            "when": pd.to_datetime(
                [
                    "2022-01-01T00:00:00",
                    None,
                    "2023-05-06T07:08:00",
                    "2022-02-02T00:00:00",
                    "2024-12-31T00:00:00",
                ]
            ),
            "quantity": [1.5, np.nan, 2.25, 1e300, -0.0],
            "origin": pd.array([None, 1, 2, None, 3], dtype="Int64"),
            "acute": [True, False, True, True, False],
        }
    )
    folder = save({"t": df}, tmp_path / "w")
    back = pq.read_table(folder / "t.parquet").to_pandas()
    pd.testing.assert_frame_equal(back, df.astype({"when": "datetime64[us]"}), check_dtype=False)
    again = save({"t": df}, tmp_path / "w2")
    assert (folder / "t.parquet").read_bytes() == (again / "t.parquet").read_bytes()


def test_import_pecdata_loads_names_only_when_used():
    code = (
        "import sys, pecdata\n"
        "heavy = [m for m in ('pecdata.plots', 'pecdata.analyses', 'pecdata.planning', "
        "'pandera', 'matplotlib') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "for name in pecdata.__all__:\n"
        "    getattr(pecdata, name)\n"
        "assert set(pecdata.__all__) <= set(dir(pecdata))\n"
        "assert pecdata.plots.__name__ == 'pecdata.plots'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
