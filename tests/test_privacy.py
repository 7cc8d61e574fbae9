"""Privacy for a region's own data: pseudonyms, small counts, the display hook, the handbook."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import tiny_warehouse
from hypothesis import given, settings
from hypothesis import strategies as st

import pecdata
from pecdata.teaching.exercises import open_region
from pecdata.warehouse import save
from pecdata.warehouse.integrity import main, publishable
from pecdata.warehouse.privacy import SUPPRESSED, pseudonymise

KEY = b"0123456789abcdef0123"


def test_pseudonyms_are_keyed_stable_and_refuse_numbers_without_century():
    a = pseudonymise(["19500315-1001", "195003151001", "19900110-1003"], KEY)
    assert a[0] == a[1] != a[2] and (a > 0).all()
    assert pseudonymise(["19500315-1001"], b"another key, also long")[0] != a[0]
    with pytest.raises(ValueError, match="century") as info:
        pseudonymise(["500315-1001"], KEY)
    assert "1001" not in str(info.value)  # the message does not repeat the number


def test_small_counts_and_their_complements_are_suppressed():
    df = pd.DataFrame({"unit": list("ABC"), "women": [3, 12, 40], "men": [10, 20, 30]})
    out = pecdata.suppress_small_counts(df)
    assert out.loc[0, "women"] == SUPPRESSED
    # row A and column women would otherwise give the 3 away through their totals
    assert out.loc[0, "men"] == SUPPRESSED and out.loc[1, "women"] == SUPPRESSED
    assert out.loc[2, "women"] == 40 and df.loc[0, "women"] == 3  # a copy


def test_years_and_keys_are_not_counts():
    df = pd.DataFrame({"year": [2022, 2023], "resident_id": [1, 2], "n": [1, 100]})
    out = pecdata.suppress_small_counts(df)
    assert out.year.tolist() == [2022, 2023] and out.resident_id.tolist() == [1, 2]
    assert out.n.tolist() == [SUPPRESSED, SUPPRESSED]  # 100 too: else the column total tells


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 30), min_size=3, max_size=3), min_size=1, max_size=8))
def test_no_small_count_can_be_recovered_from_row_or_column_totals(rows):
    df = pd.DataFrame(rows, columns=["a", "b", "c"])
    hidden = pecdata.suppress_small_counts(df).isin([SUPPRESSED]).to_numpy()
    values = df.to_numpy()
    assert not ((values > 0) & (values < 5) & ~hidden).any()  # every small count is hidden
    for axis in (0, 1):  # never a single hidden cell in a row or column (with others beside it)
        lone = hidden.sum(axis=axis) == 1
        others = (values > 0).sum(axis=axis) > 1
        assert not (lone & others).any()


def test_open_region_uses_a_regions_own_data_whatever_the_arguments(tmp_path):
    folder = save(tiny_warehouse(), tmp_path / "region", synthetic=False)
    from pecdata.warehouse.privacy import protect_figures, protecting_figures

    protect_figures(False)
    try:
        wh = open_region(folder, residents=50_000, years=3, seed=2022)
        assert wh.path == folder and wh.synthetic is False
        assert protecting_figures()  # its figures leave small counts out
    finally:
        protect_figures(False)


def test_the_handbook_is_never_built_from_real_data(tmp_path, capsys):
    real = save(tiny_warehouse(), tmp_path / "real", synthetic=False)
    fake = save(tiny_warehouse(), tmp_path / "fake", synthetic=True)
    assert publishable(fake) is None and main(["publishable", str(fake)]) == 0
    assert main(["publishable", str(real)]) == 1
    assert "synthetic" in capsys.readouterr().err


def test_display_hook_suppresses_in_ipython():
    from IPython.core.interactiveshell import InteractiveShell

    from pecdata.warehouse.privacy import install_display_hook

    shell = InteractiveShell.instance()
    try:
        assert install_display_hook()
        df = pd.DataFrame({"unit": ["A", "B"], "n": [2, np.int64(50)]})
        html = shell.display_formatter.format(df)[0]["text/html"]
        assert SUPPRESSED in html and ">2<" not in html
    finally:
        for kind in ("text/html", "text/plain"):
            shell.display_formatter.formatters[kind].pop(pd.DataFrame, None)
        InteractiveShell.clear_instance()
