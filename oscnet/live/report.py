"""What the front ends show of a session: status, inputs, the models' text.

Text for people, apart from the session itself, so the console and the web view share it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from oscnet.errors import OscnetError
from oscnet.recipes import model_text

if TYPE_CHECKING:
    from oscnet.live.session import OutputRef, Session


def values_text(session: Session) -> str:
    return " ".join(f"{v:g}" for v in session.values)


def inputs_text(session: Session) -> str:
    """The last input vector and the message rate."""
    last = "none yet" if session.last_inputs is None else " ".join(f"{v:g}" for v in session.last_inputs)
    return (f"last inputs: {last}\nreceived {session.received} input messages, "
            f"{session.input_rate():.0f}/s in the last second")


def status_report(session: Session) -> str:
    """Everything a performer checks: state, addresses, outputs, examples, bad input counts."""
    with session.lock:
        c = session.config
        training = ""
        if session.training_job is not None:
            done, total = session.training_progress
            training = f" (training {done}/{total} outputs)"
            for k, epoch in sorted(session.epochs.items()):
                if k < len(c.outputs):
                    training += (f"; {c.outputs[k].name}: epoch {epoch.epoch} of {epoch.epochs}, "
                                 f"error {epoch.error:.4g}")
        lines = [
            f"status: {session.status_text}{training}",
            f"state: {session.state}; {session.listening}, inputs at {c.input_address}; "
            f"sending {c.output_address} to {c.send_host}:{c.send_port}",
            f"inputs: {len(c.inputs)} ({', '.join(c.inputs[:8])}{' …' if len(c.inputs) > 8 else ''}); "
            f"received {session.received}, {session.input_rate():.0f}/s",
            f"examples: {len(session.examples)} in {len(session.examples.rounds())} rounds",
            "outputs:",
        ]
        for k, spec in enumerate(c.outputs):
            model = session.model_name(k) if session.models[k] is not None else f"{spec.name} (untrained)"
            switches = " ".join(f"{what} {'on' if flags[k] else 'off'}" for what, flags in
                                (("record", session.record_on), ("run", session.run_on), ("train", session.train_on)))
            if spec.is_dtw and session._state.dtw is not None:
                counts = [len(e) for e in session._state.dtw.matcher.store.examples]
                gestures = ", ".join(f"{name} {n}" for name, n in zip(spec.gestures, counts))
                lines.append(f"  {k + 1}. {spec.name}: {spec.describe()}; examples per gesture: {gestures}")
                continue
            recipe, options = spec.training(c.recipe, c.options)
            learner = recipe + "".join(f" {key}={value}" for key, value in options.items())
            lines.append(f"  {k + 1}. {model}: {spec.describe()}, {learner}, value {session.values[k]:g}, "
                         f"{session.examples.count_for_output(k)} examples; {switches}")
        lines.append(f"bad input: {session.problems.summary()}")
        saver = session.autosaver
        if saver is not None and saver.failures:
            lines.append(f"saving to: {saver.directory} — FAILING ({saver.failures} tries): {saver.last_error}")
        elif saver is not None and saver.directory is not None:
            lines.append(f"saving to: {saver.directory}")
        return "\n".join(lines)


def dump_text(session: Session, ref: OutputRef | None = None) -> str:
    """Wekinator's "Display in console": the model(s) in Weka's text format."""
    with session.lock:
        ks = [session.output_index(ref)] if ref is not None else range(len(session.models))
        parts = []
        for k in ks:
            model = session.models[k]
            if model is None:
                if ref is not None:
                    raise OscnetError(f"{session.config.outputs[k].name} has no trained model: train first")
                continue
            parts.append(f"=== {session.model_name(k)} ===\n{model_text(model)}")
        if not parts:
            raise OscnetError("no output has a trained model: train first")
        return "\n".join(parts)
