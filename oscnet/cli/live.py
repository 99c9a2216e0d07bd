"""`oscnet serve` and `oscnet demo`: argument parsing only; the work is in session, osc, console, demo."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import time
from typing import Any

from oscnet.errors import OscnetError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `serve` and `demo`."""
    serve = subparsers.add_parser(
        "serve", help="the live tool: Wekinator's OSC protocol, with a console",
        description="Listen for Wekinator's OSC messages (inputs and /wekinator/control/*), record, "
                    "train and run; type commands at the console (`help`).")
    serve.add_argument("--config", metavar="FILE", help="YAML config (default: Wekinator's defaults, "
                       "as in configs/default.yaml)")
    serve.add_argument("--project", metavar="DIR", help="a project folder: loaded if it holds one, "
                       "else created; recordings and models are kept there")
    serve.add_argument("--listen", metavar="HOST:PORT", help="where to listen, e.g. 0.0.0.0:6448 to take "
                       "phones and other laptops (default: the config's receive.host:port, 127.0.0.1:6448)")
    serve.add_argument("--host", help="address to listen on (default: the config's receive.host, 127.0.0.1)")
    serve.add_argument("--port", type=int, help="UDP port to listen on (default: the config's, 6448; 0: any free port)")
    serve.add_argument("--send-host", help="where /wek/outputs go (default: the config's send.host)")
    serve.add_argument("--send-port", type=int, help="UDP port /wek/outputs go to (default: the config's, 12000)")
    serve.add_argument("--commands", metavar="FILE", help="run console commands from FILE first "
                       "(then the prompt if this is a terminal)")
    serve.add_argument("--headless", action="store_true", help="no console: serve until Ctrl-C or SIGTERM")
    serve.add_argument("--web", nargs="?", const="", metavar="HOST:PORT",
                       help="also serve a live web page of the session (default 127.0.0.1 and the OSC port + 1, "
                            "or the next free port; the URL is printed); an address other than this machine's "
                            "needs the token printed in the URL")
    serve.add_argument("--allow-any-path", action="store_true", help="let OSC messages (saveModelToFile, "
                       "loadModelFromFile, runNewProject) name files outside the project folder")
    serve.set_defaults(func=serve_command)

    demo = subparsers.add_parser(
        "demo", help="the whole loop with no patch: record a gesture over UDP, train, run, show",
        description="Start a server on 127.0.0.1, send it a built-in gesture recording over UDP, "
                    "train, run, and print what a listener received and the models.")
    demo.add_argument("--config", metavar="FILE", help="a config with 2 inputs and outputs like "
                      "configs/demo.yaml (default: that one, built in)")
    demo.add_argument("--listen-port", type=int, default=0, help="the listener's UDP port (default: any free)")
    demo.set_defaults(func=demo_command)


def serve_command(args: argparse.Namespace) -> int:
    """Run the live tool until quit, end of the commands, Ctrl-C or SIGTERM."""
    from pathlib import Path

    from oscnet.live.console import Console, run_script
    from oscnet.live.session import Session
    from oscnet.osc.endpoint import Endpoint
    from oscnet.project.config import Config
    from oscnet.project.folder import is_project

    if args.project and is_project(args.project) and args.config:
        raise OscnetError(f"{args.project} already holds a project with its own config; drop --config "
                          "(or give a new folder)")
    config = Config.load(args.config) if args.config else Config.default()
    signal.signal(signal.SIGTERM, _interrupt)
    if hasattr(signal, "SIGHUP"):  # the terminal closed: save on the way out, as for SIGTERM
        signal.signal(signal.SIGHUP, _interrupt)
    with Session(config, project_dir=Path(args.project) if args.project else None).start() as session:
        if args.send_host or args.send_port:
            session.send_to(args.send_host or session.config.send_host, args.send_port or session.config.send_port)
        host, port = _listen_address(args)
        with Endpoint(session, host, port, allow_any_path=args.allow_any_path) as endpoint:
            c = session.config
            print(f"oscnet: listening on UDP {endpoint.host}:{endpoint.port} ({c.input_address}, "
                  f"/wekinator/control/*), sending {c.output_address} to {c.send_host}:{c.send_port}", flush=True)
            print(_start_report(session), flush=True)
            print(f"oscnet: receive thread: {endpoint.priority}", flush=True)
            web = None
            if args.web is not None:
                from oscnet.web.server import start_web

                web = start_web(session, args.web, endpoint.port)
                every = web.access.host in ("0.0.0.0", "::")  # the URL names this machine as 127.0.0.1
                elsewhere = " (from another machine, this machine's address in place of 127.0.0.1)" if every else ""
                print(f"oscnet: web view at {web.url}{elsewhere}", flush=True)
            try:
                if args.commands:
                    code = run_script(session, args.commands)
                    if code or not (sys.stdin.isatty() or args.headless):
                        return code
                if args.headless:
                    # Wake now and then: a signal the kernel hands to another thread only flags the
                    # main thread, which runs the handler (SIGTERM: stop) at its next wake-up; a
                    # wait without a timeout could sleep through it for ever.
                    while True:
                        time.sleep(0.25)
                elif sys.stdin.isatty():
                    return Console(session).run()
                else:  # piped commands
                    return Console(session, stdin=sys.stdin, script=True).run()
            except KeyboardInterrupt:
                print("oscnet: stopped", file=sys.stderr)
            finally:
                if web is not None:
                    web.close()
    return 0


def _start_report(session: Any) -> str:
    """What this start loaded, where it saves, and where file names resolve."""
    from pathlib import Path

    c, saver = session.config, session.autosaver
    trained = sum(m is not None for m in session.models)
    what = (f"project {Path(session.project_dir).resolve()}" if session.project_dir else f"a new project ({c.name})")
    if saver is not None and saver.directory is not None:
        where = f"autosaved to {saver.directory.resolve()}"
    elif saver is not None and c.recordings:
        where = f"autosaved under {Path(c.recordings).resolve()}/session-… from the first example"
    else:
        where = "not saved automatically (recordings: null; `save DIR` saves it)"
    return (f"oscnet: {what}: {len(c.inputs)} inputs, {len(c.outputs)} outputs, {len(session.examples)} "
            f"examples, {trained} trained models; {where}\n"
            f"oscnet: folders typed here resolve from {Path.cwd()}; file names sent over OSC stay "
            "inside the project folder")


def _listen_address(args: argparse.Namespace) -> tuple[str | None, int | None]:
    """--listen HOST:PORT (or [v6]:PORT), else --host and --port; None = the config's."""
    if not args.listen:
        return args.host, args.port
    if args.host or args.port is not None:
        raise OscnetError("give either --listen HOST:PORT or --host/--port, not both")
    host, sep, port = args.listen.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise OscnetError(f"--listen {args.listen!r}: write HOST:PORT, e.g. 0.0.0.0:6448 or 127.0.0.1:6448")
    return host.strip("[]") or "127.0.0.1", int(port)  # ":6448" means this machine; say 0.0.0.0 for all


def _interrupt(signum: int, frame: object) -> None:
    """SIGTERM and SIGHUP stop like Ctrl-C, so the session closes and the autosave finishes."""
    raise KeyboardInterrupt


def demo_command(args: argparse.Namespace) -> int:
    """Run the demo and print it; fails (non-zero) if any output did not come back."""
    from oscnet.live.demo import run_demo
    from oscnet.project.config import Config

    config = Config.load(args.config) if args.config else None
    logging.getLogger("oscnet.live.session").setLevel(logging.WARNING)  # the printout tells the story
    run_demo(config, args.listen_port, out=sys.stdout)
    return 0
