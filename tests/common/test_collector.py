"""The cyclic garbage collector paused for a block, then as it was."""

from __future__ import annotations

import gc

import pytest

from common.collector import collector_paused


@pytest.fixture(autouse=True)
def _collector_enabled_after():
    yield
    gc.enable()


def test_the_collector_is_paused_in_the_block_and_runs_again_after():
    # given
    gc.enable()

    # when
    with collector_paused():
        inside = gc.isenabled()

    # then
    assert inside is False
    assert gc.isenabled() is True


def test_a_collector_paused_before_the_block_stays_paused_after():
    # given
    gc.disable()

    # when
    with collector_paused():
        pass

    # then
    assert gc.isenabled() is False


def test_a_block_inside_another_leaves_it_paused_for_the_outer_one():
    # given
    gc.enable()

    # when
    with collector_paused():
        with collector_paused():
            pass
        between = gc.isenabled()

    # then
    assert between is False
    assert gc.isenabled() is True


def test_the_collector_runs_again_when_the_block_raises():
    # given
    gc.enable()

    # when
    with pytest.raises(ZeroDivisionError), collector_paused():
        1 / 0  # noqa: B018

    # then
    assert gc.isenabled() is True
