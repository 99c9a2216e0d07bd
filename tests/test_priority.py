"""The receive thread asks for a real-time (or lower nice) priority: what it reports is what it
has, what it starts begins at normal priority again, and OSCNET_RECEIVE_PRIORITY=normal leaves it."""

from __future__ import annotations

import os
import threading

import pytest
from osc_helpers import live_config, serve

from oscnet.osc.priority import PRIORITY_ENV, raise_this_thread

pytestmark = pytest.mark.skipif(not hasattr(os, "sched_getscheduler"), reason="Linux scheduling calls")


def scheduling(tid: int) -> tuple[int, int]:
    """A thread's policy (without the reset-on-fork flag) and nice value."""
    return os.sched_getscheduler(tid) & ~getattr(os, "SCHED_RESET_ON_FORK", 0), os.getpriority(os.PRIO_PROCESS, tid)


def in_thread(work) -> object:
    """Run `work()` in a fresh thread (so the test's own thread keeps its priority); its result."""
    found: list[object] = []
    thread = threading.Thread(target=lambda: found.append(work()))
    thread.start()
    thread.join()
    return found[0]


def test_the_receive_thread_has_the_priority_its_status_shows():
    with serve(live_config()) as server:
        receive = next(t for t in threading.enumerate() if t.name == "oscnet-receive")
        policy, nice = scheduling(receive.native_id)
        said = server.endpoint.priority
        assert f"(receive thread: {said})" in server.session.listening
    if said.startswith("SCHED_FIFO"):
        assert policy == os.SCHED_FIFO
    elif said.startswith("nice"):
        assert policy == os.SCHED_OTHER and nice == int(said.split()[1]) < 0
    else:
        assert policy == os.SCHED_OTHER and nice >= 0


def test_what_a_raised_thread_starts_runs_at_normal_priority():
    def raise_then_start_a_thread():
        said = raise_this_thread()
        return said, in_thread(lambda: scheduling(threading.get_native_id()))

    said, (policy, nice) = in_thread(raise_then_start_a_thread)
    assert policy == os.SCHED_OTHER and nice == os.getpriority(os.PRIO_PROCESS, 0), said


def test_normal_leaves_the_thread_as_it_was(monkeypatch):
    monkeypatch.setenv(PRIORITY_ENV, "normal")
    before = scheduling(threading.get_native_id())
    said, after = in_thread(lambda: (raise_this_thread(), scheduling(threading.get_native_id())))
    assert said.startswith("normal priority") and after == before
