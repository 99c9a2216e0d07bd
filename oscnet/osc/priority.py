"""The receive thread's priority: ahead of the other programs on stage, where the OS allows it.

Why: on a busy machine a waking receive thread can wait for a core behind other programs (and
behind a training's workers, which yield but still run), and that wait is the round trip's tail.
A real-time policy ends that wait. Linux grants SCHED_FIFO to root and, without root, to users
whose RLIMIT_RTPRIO allows it (audio setups give it to the audio group, for JACK and PipeWire);
otherwise a nice value below 0 helps where RLIMIT_NICE allows one. Priority 1 is the lowest
real-time one: above every ordinary program, below every other real-time thread, such as an
audio server's, which must keep the sound going. Only the calling thread changes (by its thread
id), not the process: the other threads and the training workers keep theirs. If nothing is
granted, nothing changes and the thread runs as before; $OSCNET_RECEIVE_PRIORITY=normal asks for
nothing (to compare, or to leave the priorities to the system).
"""

from __future__ import annotations

import os
import threading

PRIORITY_ENV = "OSCNET_RECEIVE_PRIORITY"  # raise (the default) or normal
RT_PRIORITY = 1
NICE = -10  # the most asked for when only a nice value is allowed


def raise_this_thread() -> str:
    """Ask for SCHED_FIFO, else a lower nice value, for the calling thread; says what it got."""
    if os.environ.get(PRIORITY_ENV, "raise").strip().lower() == "normal":
        return f"normal priority (${PRIORITY_ENV}=normal)"
    tid = threading.get_native_id()
    # SCHED_RESET_ON_FORK: threads and processes this thread starts (a training worker, a thread for a
    # command) begin at normal priority again, not at this one.
    reset = getattr(os, "SCHED_RESET_ON_FORK", 0)
    try:
        os.sched_setscheduler(tid, os.SCHED_FIFO | reset, os.sched_param(RT_PRIORITY))
        return f"SCHED_FIFO priority {RT_PRIORITY}"
    except (AttributeError, OSError):  # not Linux, or not granted
        pass
    try:
        import resource

        limit = resource.getrlimit(resource.RLIMIT_NICE)[0]
        lowest = NICE if limit == resource.RLIM_INFINITY else max(NICE, 20 - limit)
        now = os.getpriority(os.PRIO_PROCESS, tid)
        if lowest < now:
            if reset:  # allowed to anyone; with it, what this thread starts begins at nice 0
                os.sched_setscheduler(tid, os.SCHED_OTHER | reset, os.sched_param(0))
            os.setpriority(os.PRIO_PROCESS, tid, lowest)  # on Linux, PRIO_PROCESS with a thread id: that thread
            return f"nice {lowest}"
    except (AttributeError, ImportError, OSError, ValueError):
        pass
    return "normal priority (no real-time or lower nice value allowed)"
