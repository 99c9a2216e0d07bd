"""Wekinator's control table: `/wekinator/control/<name>` → an argument check and a session command.

The table names the session's methods (`Target`) rather than importing the live layer: the
OSC layer sits below it, and any object with these methods can be driven over OSC.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from oscnet.errors import OscnetError, Unsupported

CONTROL_PREFIX = "/wekinator/control/"
OSCNET_PREFIX = "/oscnet/control/"  # oscnet's own commands, beside Wekinator's

Args = list[Any]
Parser = Callable[[Args], tuple[Any, ...]]


class BadArguments(OscnetError):
    """A control message whose arguments do not fit its address."""


# --- argument parsers: OSC arguments → the session method's arguments -------------------

def is_number(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def describe(x: object) -> str:
    if isinstance(x, str):
        return f"the string {x!r}"
    if isinstance(x, (bytes, bytearray)):
        return "a blob"
    return f"{x!r} ({type(x).__name__})"


def no_args(args: Args) -> tuple:
    if args:
        raise BadArguments(f"takes no arguments, received {len(args)}")
    return ()


def numbers(args: Args) -> tuple:
    """All arguments as numbers (a list of output numbers or of values)."""
    bad = [f"argument {k + 1} is {describe(a)}" for k, a in enumerate(args)
           if not is_number(a) or not math.isfinite(a)]
    if bad:
        raise BadArguments(f"needs numbers: {bad[0]}")
    return (list(args),)


def output_numbers(args: Args) -> tuple:
    if not args:
        raise BadArguments("needs at least one output number")
    return numbers(args)


def one_output(args: Args) -> tuple:
    if len(args) != 1 or not is_number(args[0]):
        raise BadArguments(f"needs one output number, received {len(args)} argument(s)")
    return (args[0],)


def optional_outputs(args: Args) -> tuple:
    """Output numbers, or none for every output."""
    return numbers(args) if args else (None,)


def strings(args: Args) -> tuple:
    if not args or not all(isinstance(a, str) for a in args):
        raise BadArguments("needs one string per name")
    return (list(args),)


def output_then_inputs(args: Args) -> tuple:
    if len(args) < 2 or not all(is_number(a) for a in args):
        raise BadArguments("needs an output number, then one or more input numbers")
    return (args[0], list(args[1:]))


def model_file(args: Args) -> tuple:
    """int model, string filename, optional WITHDATA/WITHOUTDATA (load only)."""
    if len(args) not in (2, 3) or not is_number(args[0]) or not all(isinstance(a, str) for a in args[1:]):
        raise BadArguments("needs a model number and a file name")
    return tuple(args)


def save_model_file(args: Args) -> tuple:
    if len(args) != 2:
        raise BadArguments("needs a model number and a file name")
    return model_file(args)


def project_path(args: Args) -> tuple:
    if len(args) not in (1, 2) or not all(isinstance(a, str) for a in args):
        raise BadArguments("needs a project folder path, then optionally CLOSECURRENT, "
                           "STOPCURRENTLISTENING or KEEPCURRENTRUNNING")
    return tuple(args)


Command = Callable[..., object]
"""command(target, *arguments): what a control message does to the session."""


def call(method: str) -> Command:
    """The session method called `method`, looked up on whatever object the endpoint drives."""
    def command(target: object, *args: object) -> object:
        return getattr(target, method)(*args)
    command.__name__ = method
    return command


def unsupported(feature: str) -> Command:
    def refuse(target: object, *args: object) -> None:
        raise Unsupported(f"not supported: {feature}")
    return refuse


def anything(args: Args) -> tuple:
    return ()


# Which argument of these control messages is a file name (confined to the project folder).
FILE_ARGUMENT = {"saveModelToFile": 1, "loadModelFromFile": 1, "runNewProject": 0}

CONTROL: dict[str, tuple[Parser, Command]] = {
    "startRecording": (no_args, call("start_recording")),
    "stopRecording": (no_args, call("stop_recording")),
    "train": (no_args, call("train")),
    "cancelTrain": (no_args, call("cancel_train")),
    "startRunning": (no_args, call("start_running")),
    "stopRunning": (no_args, call("stop_running")),
    "deleteAllExamples": (no_args, call("delete_all")),
    "deleteExamplesForOutput": (one_output, call("delete_examples_for_output")),
    "enableModelRecording": (output_numbers, lambda s, ks: s.set_recording_enabled(ks, True)),
    "disableModelRecording": (output_numbers, lambda s, ks: s.set_recording_enabled(ks, False)),
    "enableModelRunning": (output_numbers, lambda s, ks: s.set_running_enabled(ks, True)),
    "disableModelRunning": (output_numbers, lambda s, ks: s.set_running_enabled(ks, False)),
    "setInputNames": (strings, call("set_input_names")),
    "setOutputNames": (strings, call("set_output_names")),
    "selectInputsForOutput": (output_then_inputs, call("select_inputs")),
    "outputs": (numbers, call("set_outputs")),
    "saveModelToFile": (save_model_file, call("save_model")),
    "loadModelFromFile": (model_file, call("load_model")),
    "runNewProject": (project_path, call("run_new_project")),
    "enablePerformanceMode": (anything, unsupported("performance mode is part of Wekinator's GUI; oscnet has none")),
    "disablePerformanceMode": (anything, unsupported("performance mode is part of Wekinator's GUI; oscnet has none")),
    "startDtwRecording": (one_output, call("start_dtw_recording")),
    "stopDtwRecording": (anything, call("stop_dtw_recording")),
}

OSCNET_CONTROL: dict[str, tuple[Parser, Command]] = {
    "evaluate": (optional_outputs, call("evaluate")),  # → /oscnet/status/evaluation per output
}
