"""The console: typed commands that call the same session methods as the OSC control messages.

Interactive with a prompt and readline history, or scripted (a commands file, piped stdin):
then each command is echoed, `wait inputs N` / `wait training` let a script pace itself, and
the first error stops the script.
"""

from __future__ import annotations

import cmd
import logging
import shlex
import sys
import threading
from pathlib import Path
from typing import IO

from oscnet.errors import OscnetError
from oscnet.live.report import dump_text, inputs_text, status_report, values_text
from oscnet.live.session import Session

HISTORY = Path("~/.oscnet_history").expanduser()


class _PromptSafe(logging.Handler):
    """Messages from other threads (training done, bad input…) print above the prompt: the line is
    cleared, the message written, then the prompt and whatever was half typed are written again."""

    def __init__(self, console: Console, formatter: logging.Formatter | None) -> None:
        super().__init__()
        self.console = console
        self.thread = threading.get_ident()  # the console's thread, which reads the commands
        self.setFormatter(formatter or logging.Formatter("%(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            import readline
            typed = readline.get_line_buffer()
        except ImportError:  # no readline (Windows): still never inside the prompt's line
            typed = ""
        out = self.console.stdout
        if threading.get_ident() == self.thread or not self.console.at_prompt:  # no prompt is showing
            out.write(self.format(record) + "\n")
        else:
            out.write("\r\x1b[K" + self.format(record) + "\n" + self.console.prompt + typed)
        out.flush()

    @classmethod
    def install(cls, console: Console) -> list[tuple[logging.Handler, logging.Handler]]:
        """Swap the root logger's terminal handlers for prompt-safe ones; returns what to undo."""
        root = logging.getLogger()
        swapped: list[tuple[logging.Handler, logging.Handler]] = []
        for handler in list(root.handlers):
            if isinstance(handler, logging.StreamHandler) and getattr(handler.stream, "isatty", lambda: False)():
                safe = cls(console, handler.formatter)
                safe.setLevel(handler.level)
                root.removeHandler(handler)
                root.addHandler(safe)
                swapped.append((safe, handler))
        return swapped


class Console(cmd.Cmd):
    """`oscnet>` commands over one session; errors print one line and never a traceback."""

    intro = "oscnet console: type `help` for the commands, `quit` to stop."
    prompt = "oscnet> "

    def __init__(self, session: Session, stdin: IO[str] | None = None, stdout: IO[str] | None = None,
                 script: bool = False) -> None:
        super().__init__(stdin=stdin, stdout=stdout)
        self.session = session
        self.script = script
        self.error: str | None = None  # the error that stopped a script
        self.at_prompt = True  # waiting at the prompt (messages from other threads redraw it)
        self.line_number = 0
        if script:
            self.use_rawinput = False
            self.prompt = ""
            self.intro = ""

    # --- plumbing --------------------------------------------------------------------------

    def say(self, text: str) -> None:
        self.stdout.write(text.rstrip("\n") + "\n")
        self.stdout.flush()

    def precmd(self, line: str) -> str:
        self.at_prompt = False  # a command runs: messages print as plain lines until it is done
        self.line_number += 1
        line = line.strip()
        if line.startswith("#"):
            return ""
        if self.script and line and line != "EOF":
            self.say(f"> {line}")
        return line

    def onecmd(self, line: str) -> bool:
        """Run one command; a user error prints one line (and stops a script)."""
        try:
            return bool(super().onecmd(line))
        except OscnetError as exc:
            self.say(f"error: {exc}")
            if self.script:
                self.error = f"line {self.line_number}: {exc}"
                return True
            return False

    def postcmd(self, stop: bool, line: str) -> bool:
        self.at_prompt = True
        return stop

    def emptyline(self) -> bool:
        return False  # cmd's default repeats the last command: never wanted here

    def default(self, line: str) -> None:
        raise OscnetError(f"unknown command {line.split()[0]!r}: type `help` for the list")

    def get_names(self) -> list[str]:
        """The commands `help` lists (end of input is not one)."""
        return [n for n in super().get_names() if n != "do_EOF"]

    def do_EOF(self, arg: str) -> bool:
        if not self.script:  # end of input (Ctrl-D): stop
            self.say("")
        return True

    def run(self) -> int:
        """The command loop; returns 0, or 2 if a script stopped on an error."""
        if not self.script:
            _load_history()
        swapped = _PromptSafe.install(self) if not self.script else []
        try:
            self.cmdloop()
        finally:
            for handler, replaced in swapped:
                logging.getLogger().removeHandler(handler)
                logging.getLogger().addHandler(replaced)
            if not self.script:
                _save_history()
        return 2 if self.error else 0

    @staticmethod
    def words(arg: str) -> list[str]:
        try:
            return shlex.split(arg)
        except ValueError as exc:
            raise OscnetError(f"cannot read the arguments: {exc}") from None

    # --- the commands ----------------------------------------------------------------------

    def do_status(self, arg: str) -> None:
        """status: state, addresses, outputs with their models and values, examples, bad input counts."""
        self.say(status_report(self.session))

    def do_outputs(self, arg: str) -> None:
        """outputs [v1 v2 …]: set every output's current value (the next examples' labels); alone: show them."""
        words = self.words(arg)
        if not words:
            self.say(f"outputs: {values_text(self.session)}")
            return
        try:
            values = [float(w) for w in words]
        except ValueError:
            raise OscnetError(f"outputs takes numbers, e.g. `outputs 0.5 1 0`, not {arg!r}") from None
        self.session.set_outputs(values)

    def do_randomize(self, arg: str) -> None:
        """randomize: random current output values within each output's range."""
        self.session.randomize()

    def do_record(self, arg: str) -> None:
        """record: start recording (each input message adds an example); `stop` ends it."""
        self.session.start_recording()

    def do_gesture(self, arg: str) -> None:
        """gesture N | gesture stop | gesture delete N | gesture show: DTW (a `type: dtw` output):
        record an example of gesture N (by number or name) until `gesture stop` (or `stop`), delete
        gesture N's examples, or show every gesture's examples and their lengths."""
        words = self.words(arg)
        if not words:
            raise OscnetError("say which gesture: `gesture 1` records one, `gesture stop` ends it")
        if words[0] == "stop":
            self.session.stop_dtw_recording()
        elif words[0] == "show":
            self.say(self.session.dtw.text().rstrip())
        elif words[0] == "delete":
            if len(words) != 2:
                raise OscnetError("`gesture delete N` deletes gesture N's examples")
            self.session.delete_examples_for_output(int(words[1]) if words[1].isdigit() else words[1])
        else:
            self.session.start_dtw_recording(int(words[0]) if words[0].isdigit() else words[0])

    def do_evaluate(self, arg: str) -> None:
        """evaluate [output …] [--folds K | --training]: Weka's 10-fold cross-validation (or the
        error on the training data) of the outputs, in a worker; the figures print when ready and
        go out as /oscnet/status/evaluation."""
        words = self.words(arg)
        folds = 10
        if "--training" in words:
            folds, words = 0, [w for w in words if w != "--training"]
        if "--folds" in words:
            at = words.index("--folds")
            if at + 1 >= len(words) or not words[at + 1].isdigit():
                raise OscnetError("--folds takes a whole number, e.g. `evaluate --folds 5`")
            folds, words = int(words[at + 1]), words[:at] + words[at + 2:]
        self.session.evaluate(list(words) or None, folds)

    def do_stop(self, arg: str) -> None:
        """stop: stop recording or running."""
        self.session.stop()

    def do_train(self, arg: str) -> None:
        """train: train every output that has examples, in the background (`wait training` waits)."""
        self.session.train()

    def do_cancel(self, arg: str) -> None:
        """cancel: cancel the training in progress; the previous models stay."""
        self.session.cancel_train()

    def do_run(self, arg: str) -> None:
        """run: compute and send the outputs for each input message."""
        self.session.start_running()

    def do_delete(self, arg: str) -> None:
        """delete last | delete all | delete output N: delete the last recording round, everything, or one output's examples."""
        words = self.words(arg)
        if words == ["last"]:
            self.session.delete_last()
        elif words == ["all"]:
            self.session.delete_all()
        elif len(words) == 2 and words[0] == "output":
            self.session.delete_examples_for_output(words[1])
        else:
            raise OscnetError("say `delete last`, `delete all` or `delete output N`")

    def do_readd(self, arg: str) -> None:
        """readd last: put back the last deleted recording round."""
        if self.words(arg) not in ([], ["last"]):
            raise OscnetError("say `readd last`")
        self.session.readd_last()

    def do_enable(self, arg: str) -> None:
        """enable record|run|train OUTPUT…: switch recording, running or training on for outputs."""
        self._switch(arg, True)

    def do_disable(self, arg: str) -> None:
        """disable record|run|train OUTPUT…: switch recording, running or training off for outputs."""
        self._switch(arg, False)

    def _switch(self, arg: str, on: bool) -> None:
        words = self.words(arg)
        methods = {"record": self.session.set_recording_enabled, "run": self.session.set_running_enabled,
                   "train": self.session.set_training_enabled}
        if len(words) < 2 or words[0] not in methods:
            raise OscnetError(f"say `{'enable' if on else 'disable'} record|run|train OUTPUT…`, e.g. 1 2")
        methods[words[0]](words[1:], on)

    def do_select(self, arg: str) -> None:
        """select OUTPUT INPUT…: which inputs feed one output's model (applies at the next train)."""
        words = self.words(arg)
        if len(words) < 2:
            raise OscnetError("say `select OUTPUT INPUT…`, e.g. `select 1 1 3`")
        self.session.select_inputs(words[0], [int(w) if w.isdigit() else w for w in words[1:]])

    def do_names(self, arg: str) -> None:
        """names inputs|outputs NAME…: rename every input or output."""
        words = self.words(arg)
        if len(words) < 2 or words[0] not in ("inputs", "outputs"):
            raise OscnetError("say `names inputs NAME…` or `names outputs NAME…`")
        setter = self.session.set_input_names if words[0] == "inputs" else self.session.set_output_names
        setter(words[1:])

    def do_dump(self, arg: str) -> None:
        """dump [OUTPUT]: print the model(s) in Weka's text (Wekinator's "Display in console")."""
        words = self.words(arg)
        self.say(dump_text(self.session, words[0] if words else None))

    def do_inputs(self, arg: str) -> None:
        """inputs: the last input vector and the message rate."""
        self.say(inputs_text(self.session))

    def do_save(self, arg: str) -> None:
        """save [DIR]: save the project (config, examples, models) to DIR or the session's folder."""
        words = self.words(arg)
        self.session.save(words[0] if words else None)

    def do_load(self, arg: str) -> None:
        """load DIR: replace the session's project with a saved one."""
        words = self.words(arg)
        if len(words) != 1:
            raise OscnetError("say `load DIR`")
        self.session.load(words[0])

    def do_wait(self, arg: str) -> None:
        """wait inputs N [SECONDS] | wait training [SECONDS]: pause a script until N more inputs arrive or training ends."""
        words = self.words(arg)
        try:
            if len(words) in (2, 3) and words[0] == "inputs":
                self.session.wait_inputs(int(words[1]), *(float(w) for w in words[2:]))
                return
            if len(words) in (1, 2) and words[0] == "training":
                self.session.wait_training(*(float(w) for w in words[1:]))
                return
        except ValueError:
            pass
        raise OscnetError("say `wait inputs N [SECONDS]` or `wait training [SECONDS]`")

    def do_quit(self, arg: str) -> bool:
        """quit: stop oscnet (the autosave writes what is left)."""
        return True

    do_exit = do_quit


def _load_history() -> None:
    try:
        import readline

        readline.read_history_file(HISTORY)
    except (ImportError, OSError):
        pass


def _save_history() -> None:
    try:
        import readline

        readline.set_history_length(1000)
        readline.write_history_file(HISTORY)
    except (ImportError, OSError):
        pass


def run_script(session: Session, path: str | Path, stdout: IO[str] | None = None) -> int:
    """Run a commands file; 0, or 2 after printing the error that stopped it."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise OscnetError(f"cannot read commands file {path}: {exc.strerror}") from None
    import io

    console = Console(session, stdin=io.StringIO(text), stdout=stdout or sys.stdout, script=True)
    code = console.run()
    if console.error:
        print(f"oscnet: {path}, {console.error}", file=sys.stderr)
    return code
