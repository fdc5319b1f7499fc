"""hnb_xl.workbook.collector.paused: the cyclic garbage collector off inside, as it was after (also
when the block raises), and the readers that pause it leave it as they found it."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from hnb_xl.workbook.collector import paused
from hnb_xl.workbook.snapshot import read_workbook
from tests.conftest import COMMITTED


@pytest.fixture
def collecting():
    """Set the collector on or off for the test (its parameter), and back on afterwards."""
    was = gc.isenabled()
    yield lambda on: gc.enable() if on else gc.disable()
    gc.enable() if was else gc.disable()


@pytest.mark.parametrize("on", [pytest.param(True, id="enabled-before"), pytest.param(False, id="disabled-before")])
def test_paused_turns_it_off_and_restores_it(collecting, on):
    collecting(on)
    with paused():
        assert not gc.isenabled()
    assert gc.isenabled() is on


@pytest.mark.parametrize("on", [pytest.param(True, id="enabled-before"), pytest.param(False, id="disabled-before")])
def test_paused_restores_it_when_the_block_raises(collecting, on):
    collecting(on)
    with pytest.raises(KeyError):
        with paused():
            raise KeyError("x")
    assert gc.isenabled() is on


@pytest.mark.parametrize("path,raises", [pytest.param(COMMITTED, False, id="a-workbook"),
                                         pytest.param(Path(__file__), True, id="not-a-workbook-raises")])
def test_reading_a_snapshot_leaves_the_collector_on(collecting, path, raises):
    collecting(True)
    if raises:
        with pytest.raises(Exception):
            read_workbook(path)
    else:
        assert read_workbook(path).sheetnames
    assert gc.isenabled()
