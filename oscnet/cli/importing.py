"""`oscnet import` (a Wekinator project → an oscnet project) and `oscnet export --arff`."""

from __future__ import annotations

import argparse
from pathlib import Path

from oscnet.errors import OscnetError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `import` and `export`."""
    imp = subparsers.add_parser(
        "import", help="turn a Wekinator project folder into an oscnet project",
        description="Reads the .wekproj, inputConfig.xml, outputConfig.xml and current/currentData.arff "
                    "and writes an oscnet project with the same settings and examples.")
    imp.add_argument("source", metavar="WEKINATOR_DIR", help="the Wekinator project folder")
    imp.add_argument("--to", metavar="DIR", help="the oscnet project folder to write (default: <name>-oscnet)")
    imp.add_argument("--force", action="store_true", help="overwrite an existing oscnet project in DIR")
    imp.set_defaults(func=run_import)

    exp = subparsers.add_parser("export", help="write an oscnet project's examples as Wekinator's ARFF")
    exp.add_argument("project", metavar="DIR", help="an oscnet project folder")
    exp.add_argument("--arff", metavar="FILE", required=True, help="the ARFF file to write")
    exp.set_defaults(func=run_export)


def run_import(args: argparse.Namespace) -> int:
    """Import, then say what was carried over and what was not."""
    from oscnet.project.config import Config
    from oscnet.project.folder import is_project, save_project
    from oscnet.project.wekinator import read_wekinator

    imported = read_wekinator(args.source)
    config = imported.config
    target = Path(args.to) if args.to else Path(f"{Path(args.source).resolve().name}-oscnet")
    if is_project(target) and not args.force:
        raise OscnetError(f"{target} already holds an oscnet project; choose another --to or add --force")
    try:  # what oscnet writes must open again: check the config as `serve --project` will read it
        Config.from_yaml(config.to_yaml(), f"the config made from {args.source}")
    except OscnetError as exc:
        raise OscnetError(f"{exc}; the Wekinator project has a value oscnet cannot use: fix it in "
                          "Wekinator (or in its XML files) and import again") from None
    save_project(target, config, imported.examples, imported.models)
    counts = ", ".join(f"{o.name}: {imported.examples.count_for_output(k)}" for k, o in enumerate(config.outputs))
    print(f"imported {config.name!r}: {len(config.inputs)} inputs, {len(config.outputs)} outputs, "
          f"{len(imported.examples)} examples ({counts})")
    print(f"receives {config.input_address} on port {config.receive_port}; sends {config.output_address} "
          f"to {config.send_host}:{config.send_port}")
    for note in imported.notes:
        print(f"note: {note}")
    print(f"wrote {target}; run it with: oscnet serve --project {target}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    """Write the examples of a project as ARFF."""
    from oscnet.project.folder import load_project
    from oscnet.project.wekinator import export_arff

    project = load_project(args.project)
    path = export_arff(args.arff, project.config, project.examples)
    print(f"wrote {len(project.examples)} examples to {path}")
    return 0
