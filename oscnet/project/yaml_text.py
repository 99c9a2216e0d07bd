"""YAML text as the config reader takes it: bounded in size, no aliases, not nested too deep.

PyYAML's safe loader still expands aliases (`*name`): a 638-byte config can grow into millions
of values. A config never needs them, so they are refused before anything is built.
"""

from __future__ import annotations

import yaml

from oscnet.errors import OscnetError

MAX_CONFIG_CHARS = 1_000_000
MAX_DEPTH = 20


def compose_yaml(text: str, source: str) -> yaml.Node:
    """The YAML node tree of a config text; any problem is an OscnetError naming source and line."""
    if len(text) > MAX_CONFIG_CHARS:
        raise OscnetError(f"{source}: {len(text)} characters is far more than a config needs "
                          f"(at most {MAX_CONFIG_CHARS}); is this the right file?")
    try:
        depth = 0
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):  # `*name`: one line could expand to millions
                raise OscnetError(f"{source}, line {event.start_mark.line + 1}: YAML aliases (*name) are "
                                  "not allowed in an oscnet config; write the values out")
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise OscnetError(f"{source}, line {event.start_mark.line + 1}: nested deeper than "
                                      f"{MAX_DEPTH} levels, far more than a config needs; fix the file")
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except RecursionError:
        raise OscnetError(f"{source}: nested too deep to be a config; fix the file") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise OscnetError(f"{source}{where}: not valid YAML ({problem}); fix the file") from None
    return root
