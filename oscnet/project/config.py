"""A live session's settings, read from YAML with errors that name the key, the file and the line.

Only yaml's safe composer and constructor are used; walking the composed nodes (instead of
the plain dict safe_load returns) is what gives every value its line number.
"""

from __future__ import annotations

import copy
import difflib
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from oscnet.errors import OscnetError
from oscnet.project.dtw_config import read_dtw_output
from oscnet.project.outputs import OutputSpec
from oscnet.project.yaml_text import compose_yaml
from oscnet.recipes import RECIPES, check_options

TOP_KEYS = ("name", "inputs", "outputs", "receive", "send", "training", "recordings",
            "allow_from", "control", "limits")
RECEIVE_KEYS = ("host", "port", "address")
LIMIT_KEYS = ("max_examples", "max_inputs", "max_datagram")
SEND_KEYS = ("host", "port", "address")
TRAINING_KEYS = ("recipe", "options")
OUTPUT_KEYS = ("name", "type", "min", "max", "limits", "integer", "classes", "distribution", "inputs", "learner",
               "options", "gestures", "threshold", "settings", "confidence", "unknown")


@dataclass
class Config:
    """Inputs, outputs, where OSC comes from and goes to, how to train, where recordings go."""

    inputs: list[str]
    outputs: list[OutputSpec]
    name: str = "oscnet"
    receive_host: str = "127.0.0.1"  # this machine only; "0.0.0.0" for phones and other laptops
    receive_port: int = 6448
    input_address: str = "/wek/inputs"
    send_host: str = "127.0.0.1"
    send_port: int = 12000
    output_address: str = "/wek/outputs"
    recipe: str = "weka"
    options: dict[str, Any] = field(default_factory=lambda: {"hidden": "i"})
    recordings: str | None = "recordings"  # None: no autosave
    allow_from: list[str] | None = None  # addresses or CIDR ranges that may send; None: anyone
    control: bool = True  # False: /wekinator/control/* is ignored, inputs still work
    max_examples: int = 500_000  # recording stops adding beyond this (memory on a long night)
    max_inputs: int = 1024  # arguments in one message; more are refused before parsing them
    max_datagram: int = 16384  # bytes; larger datagrams are refused (Wekinator's buffer: 65507)

    def allowed_networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network] | None:
        """`allow_from` as networks (a plain address is a /32 or /128), or None for anyone."""
        if self.allow_from is None:
            return None
        networks = []
        for entry in self.allow_from:
            network = ipaddress.ip_network(entry, strict=False)
            if isinstance(network, ipaddress.IPv6Network) and network.prefixlen >= 96 and \
                    network.network_address.ipv4_mapped is not None:  # ::ffff:a.b.c.d is a.b.c.d
                network = ipaddress.ip_network(f"{network.network_address.ipv4_mapped}/{network.prefixlen - 96}")
            networks.append(network)
        return networks

    @classmethod
    def default(cls, n_inputs: int = 5, n_outputs: int = 5) -> Config:
        """Wekinator's new project: 5 inputs, 5 continuous outputs 0..1 (soft limits, real)."""
        return cls(default_names("/wek/inputs", n_inputs),
                   [OutputSpec(n) for n in default_names("/wek/outputs", n_outputs)])

    def copy(self) -> Config:
        """A deep copy a session can change freely."""
        return copy.deepcopy(self)

    def to_dict(self) -> dict[str, Any]:
        """The YAML structure, every key written out (the reader accepts the same)."""
        outputs = []
        for spec in self.outputs:
            entry: dict[str, Any] = {"name": spec.name, "type": spec.type}
            if spec.is_dtw:
                entry.update(gestures=list(spec.gestures), threshold=spec.threshold, settings=dict(spec.dtw))
            elif spec.is_classifier:
                entry.update(classes=spec.classes, distribution=spec.distribution)
                if spec.confidence is not None:
                    entry.update(confidence=spec.confidence, unknown=spec.unknown)
            else:
                entry.update(min=spec.min, max=spec.max, limits=spec.limits, integer=spec.integer)
            if spec.inputs is not None:
                entry["inputs"] = [k + 1 for k in spec.inputs]
            if spec.learner is not None:
                entry.update(learner=spec.learner, options=dict(spec.options or {}))
            outputs.append(entry)
        return {
            "name": self.name,
            "inputs": list(self.inputs),
            "outputs": outputs,
            "receive": {"host": self.receive_host, "port": self.receive_port, "address": self.input_address},
            "send": {"host": self.send_host, "port": self.send_port, "address": self.output_address},
            "training": {"recipe": self.recipe, "options": dict(self.options)},
            "recordings": self.recordings,
            "allow_from": None if self.allow_from is None else list(self.allow_from),
            "control": self.control,
            "limits": {"max_examples": self.max_examples, "max_inputs": self.max_inputs,
                       "max_datagram": self.max_datagram},
        }

    def to_yaml(self) -> str:
        """The config as YAML text that `Config.from_yaml` reads back unchanged."""
        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)

    @classmethod
    def from_yaml(cls, text: str, source: str = "config") -> Config:
        """Parse and check YAML text; any problem raises OscnetError naming source, line and key."""
        root = compose_yaml(text, source)
        return _Reader(source).config(root)

    @classmethod
    def load(cls, path: str | Path) -> Config:
        """Read a YAML config file."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise OscnetError(f"cannot read config {path}: {exc.strerror}") from None
        except UnicodeDecodeError as exc:
            line = path.read_bytes()[:exc.start].count(b"\n") + 1
            raise OscnetError(f"{path}, line {line}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x}); "
                              "save the config as UTF-8") from None
        return cls.from_yaml(text, str(path))


def default_names(address: str, n: int) -> list[str]:
    """Wekinator's names: the last part of the address + `-k` (`inputs-1` … `inputs-N`)."""
    stem = address.rstrip("/").rsplit("/", 1)[-1] or "value"
    return [f"{stem}-{k}" for k in range(1, n + 1)]


class _Reader:
    """Walks composed YAML nodes, turning each into a checked value or a located error."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.constructor = yaml.SafeLoader("")

    def fail(self, node: yaml.Node, path: str, message: str) -> OscnetError:
        return OscnetError(f"{self.source}, line {node.start_mark.line + 1}: {path}: {message}")

    def value(self, node: yaml.Node) -> Any:
        return self.constructor.construct_object(node, deep=True)

    def mapping(self, node: yaml.Node | None, path: str, known: tuple[str, ...]) -> dict[str, yaml.Node]:
        """A mapping's value nodes by key; unknown or repeated keys are errors."""
        if node is None or (isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"):
            return {}
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, path, f"must be a mapping of {', '.join(known)}")
        found: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = self.value(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            if key not in known:
                close = difflib.get_close_matches(str(key), known, 1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise self.fail(key_node, path, f"unknown key {key!r}{hint}; known keys: {', '.join(known)}")
            if key in found:
                raise self.fail(key_node, path, f"key {key!r} is given twice")
            found[key] = value_node
        return found

    def scalar(self, node: yaml.Node, path: str, kinds: tuple[type, ...], what: str,
               check: Callable[[Any], bool] = lambda v: True) -> Any:
        value = self.value(node) if isinstance(node, yaml.ScalarNode) else None
        if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kinds) or not check(value):
            shown = value if isinstance(node, yaml.ScalarNode) else "a " + type(self.value(node)).__name__
            raise self.fail(node, path, f"must be {what}, not {shown!r}")
        return value

    def integer(self, node: yaml.Node, path: str, lo: int, hi: int) -> int:
        return self.scalar(node, path, (int,), f"a whole number {lo}..{hi}", lambda v: lo <= v <= hi)

    def number(self, node: yaml.Node, path: str) -> float:
        return float(self.scalar(node, path, (int, float), "a number", lambda v: v == v and abs(v) != float("inf")))

    def string(self, node: yaml.Node, path: str) -> str:
        return str(self.scalar(node, path, (str, int, float), "a text"))

    def boolean(self, node: yaml.Node, path: str) -> bool:
        return self.scalar(node, path, (bool,), "true or false")

    def choice(self, node: yaml.Node, path: str, choices: tuple[str, ...]) -> str:
        return self.scalar(node, path, (str,), " or ".join(choices), lambda v: v in choices)

    def address(self, node: yaml.Node, path: str) -> str:
        return self.scalar(node, path, (str,), "an OSC address starting with /",
                           lambda v: v.startswith("/") and " " not in v and len(v) > 1)

    def names(self, node: yaml.Node, path: str, address: str) -> list[str]:
        """A count (Wekinator's default names) or a list of different names."""
        if isinstance(node, yaml.ScalarNode):
            return default_names(address, self.integer(node, path, 1, 100_000))
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            raise self.fail(node, path, "must be a count or a list of names")
        names = [self.string(item, f"{path}[{k + 1}]") for k, item in enumerate(node.value)]
        self.all_different(node, path, names)
        return names

    def all_different(self, node: yaml.Node, path: str, names: list[str]) -> None:
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise self.fail(node, path, f"names must all be different; repeated: {', '.join(repeated)}")

    def config(self, root: yaml.Node | None) -> Config:
        top = self.mapping(root, "top level", TOP_KEYS)
        receive = self.mapping(top.get("receive"), "receive", RECEIVE_KEYS)
        send = self.mapping(top.get("send"), "send", SEND_KEYS)
        training = self.mapping(top.get("training"), "training", TRAINING_KEYS)
        config = Config.default()
        if "name" in top:
            config.name = self.string(top["name"], "name")
        if "host" in receive:
            config.receive_host = self.string(receive["host"], "receive.host")
        if "port" in receive:
            config.receive_port = self.integer(receive["port"], "receive.port", 0, 65535)
        if "address" in receive:
            config.input_address = self.address(receive["address"], "receive.address")
        if "host" in send:
            config.send_host = self.string(send["host"], "send.host")
        if "port" in send:
            config.send_port = self.integer(send["port"], "send.port", 1, 65535)
        if "address" in send:
            config.output_address = self.address(send["address"], "send.address")
        config.inputs = default_names(config.input_address, 5)
        if "inputs" in top:
            config.inputs = self.names(top["inputs"], "inputs", config.input_address)
        config.outputs = [OutputSpec(n) for n in default_names(config.output_address, 5)]
        if "outputs" in top:
            config.outputs = self.outputs(top["outputs"], config)
        if "recipe" in training:
            config.recipe = self.choice(training["recipe"], "training.recipe", tuple(RECIPES))
            if "numeric" not in RECIPES[config.recipe].class_types:
                raise self.fail(training["recipe"], "training.recipe", f"is the learner of continuous outputs, "
                                f"and {config.recipe} learns classes only: give it to a classifier output "
                                f"instead (learner: {config.recipe})")
        if "options" in training:
            node = training["options"]
            options = self.value(node)
            if not isinstance(options, dict) or not all(isinstance(k, str) for k in options):
                raise self.fail(node, "training.options", "must be a mapping such as {hidden: i, epochs: 500}")
            config.options = options
        self.check_options(config, training.get("options", training.get("recipe", root)))
        if "recordings" in top:
            node = top["recordings"]
            config.recordings = None if self.value(node) is None else self.string(node, "recordings")
        if "allow_from" in top:
            config.allow_from = self.networks(top["allow_from"], "allow_from")
        if "control" in top:
            config.control = self.boolean(top["control"], "control")
        limits = self.mapping(top.get("limits"), "limits", LIMIT_KEYS)
        if "max_examples" in limits:
            config.max_examples = self.integer(limits["max_examples"], "limits.max_examples", 1, 10**9)
        if "max_inputs" in limits:
            config.max_inputs = self.integer(limits["max_inputs"], "limits.max_inputs", 1, 16_000)
        if "max_datagram" in limits:
            config.max_datagram = self.integer(limits["max_datagram"], "limits.max_datagram", 64, 65507)
        if len(config.inputs) > config.max_inputs:
            raise self.fail(limits.get("max_inputs") or top.get("inputs") or root, "limits.max_inputs",
                            f"{len(config.inputs)} inputs are more than max_inputs ({config.max_inputs}); raise it")
        return config

    def networks(self, node: yaml.Node, path: str) -> list[str] | None:
        """A list of addresses or CIDR ranges (e.g. [127.0.0.1, 192.168.1.0/24]); null: anyone."""
        if isinstance(node, yaml.ScalarNode) and self.value(node) is None:
            return None
        if not isinstance(node, yaml.SequenceNode):
            raise self.fail(node, path, "must be a list of addresses or ranges, e.g. [127.0.0.1, 192.168.1.0/24]")
        entries = []
        for k, item in enumerate(node.value):
            text = self.string(item, f"{path}[{k + 1}]")
            try:
                ipaddress.ip_network(text, strict=False)
            except ValueError:
                raise self.fail(item, f"{path}[{k + 1}]", f"{text!r} is not an IP address or range "
                                "such as 192.168.1.20 or 192.168.1.0/24") from None
            entries.append(text)
        return entries

    def check_options(self, config: Config, node: yaml.Node | None) -> None:
        """Every recipe's options are checked now, so a typo shows at start, not at the first train."""
        try:
            check_options(config.recipe, config.options)
        except OscnetError as exc:
            raise (self.fail(node, "training.options", str(exc)) if node is not None
                   else OscnetError(f"{self.source}: training.options: {exc}")) from None

    def outputs(self, node: yaml.Node, config: Config) -> list[OutputSpec]:
        """A count (continuous 0..1 outputs) or a list of output entries (a name or a mapping)."""
        if isinstance(node, yaml.ScalarNode):
            return [OutputSpec(n) for n in default_names(config.output_address, self.integer(node, "outputs", 1, 10_000))]
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            raise self.fail(node, "outputs", "must be a count or a list of outputs")
        defaults = default_names(config.output_address, len(node.value))
        specs = [self.output(item, f"outputs[{k + 1}]", defaults[k], config.inputs)
                 for k, item in enumerate(node.value)]
        self.all_different(node, "outputs", [s.name for s in specs])
        if any(s.is_dtw for s in specs) and len(specs) > 1:
            raise self.fail(node, "outputs", "a project with a dtw output has exactly that one output, as in "
                            "Wekinator; keep the other outputs in a second project (a second oscnet serve)")
        return specs

    def output(self, node: yaml.Node, path: str, default_name: str, inputs: list[str]) -> OutputSpec:
        if isinstance(node, yaml.ScalarNode):
            return OutputSpec(self.string(node, path))
        keys = self.mapping(node, path, OUTPUT_KEYS)
        spec = OutputSpec(self.string(keys["name"], f"{path}.name") if "name" in keys else default_name)
        if "type" in keys:
            spec.type = self.choice(keys["type"], f"{path}.type", ("continuous", "classifier", "dtw"))  # type: ignore[assignment]
        if spec.is_dtw:
            return read_dtw_output(self, spec, node, path, keys, inputs)
        for key in ("gestures", "threshold", "settings"):
            if key in keys:
                raise self.fail(keys[key], f"{path}.{key}", f"applies to a dtw output, not a {spec.type} one")
        only = ("min", "max", "limits", "integer") if spec.is_classifier else ("classes", "distribution",
                                                                                "confidence", "unknown")
        for key in only:
            if key in keys:
                raise self.fail(keys[key], f"{path}.{key}", f"does not apply to a {spec.type} output")
        if "min" in keys:
            spec.min = self.number(keys["min"], f"{path}.min")
        if "max" in keys:
            spec.max = self.number(keys["max"], f"{path}.max")
        if spec.min > spec.max:
            raise self.fail(keys.get("max", node), f"{path}.max", f"must be ≥ min ({spec.min:g})")
        if "limits" in keys:
            spec.limits = self.choice(keys["limits"], f"{path}.limits", ("soft", "hard"))  # type: ignore[assignment]
        if "integer" in keys:
            spec.integer = self.boolean(keys["integer"], f"{path}.integer")
        if spec.is_classifier:
            if "classes" not in keys:
                raise self.fail(node, path, "a classifier needs `classes: N` (its labels are 1..N)")
            spec.classes = self.integer(keys["classes"], f"{path}.classes", 1, 10_000)
        if "distribution" in keys:
            spec.distribution = self.boolean(keys["distribution"], f"{path}.distribution")
        if "confidence" in keys:
            spec.confidence = self.number(keys["confidence"], f"{path}.confidence")
            if not 0 < spec.confidence <= 1:
                raise self.fail(keys["confidence"], f"{path}.confidence", "must be a probability above 0, up to 1")
        if "unknown" in keys:
            spec.unknown = self.number(keys["unknown"], f"{path}.unknown")
        if "inputs" in keys:
            spec.inputs = self.input_selection(keys["inputs"], f"{path}.inputs", inputs)
        if "options" in keys and "learner" not in keys:
            raise self.fail(keys["options"], f"{path}.options", "name the output's `learner:` too, e.g. learner: knn")
        if "learner" in keys:
            spec.learner = self.choice(keys["learner"], f"{path}.learner", tuple(RECIPES))
            kind = "nominal" if spec.is_classifier else "numeric"
            if kind not in RECIPES[spec.learner].class_types:
                raise self.fail(keys["learner"], f"{path}.learner", f"{spec.learner} cannot learn a {spec.type} "
                                f"output; use one of {', '.join(n for n, r in RECIPES.items() if kind in r.class_types)}")
            options = self.value(keys["options"]) if "options" in keys else {}
            if not isinstance(options, dict) or not all(isinstance(k, str) for k in options):
                raise self.fail(keys.get("options", node), f"{path}.options", "must be a mapping such as {neighbours: 3}")
            try:
                check_options(spec.learner, options)
            except OscnetError as exc:
                raise self.fail(keys.get("options", keys["learner"]), f"{path}.options", str(exc)) from None
            spec.options = options
        return spec

    def input_selection(self, node: yaml.Node, path: str, inputs: list[str]) -> list[int]:
        """Input numbers (1-based) or names → sorted 0-based indexes."""
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            raise self.fail(node, path, "must be a list of input numbers or names, e.g. [1, 2]")
        chosen = set()
        for item in node.value:
            value = self.value(item) if isinstance(item, yaml.ScalarNode) else None
            if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= len(inputs):
                chosen.add(value - 1)
            elif isinstance(value, str) and value in inputs:
                chosen.add(inputs.index(value))
            else:
                raise self.fail(item, path, f"{value!r} is not an input: use 1..{len(inputs)} or one of "
                                            f"{', '.join(inputs[:8])}{' …' if len(inputs) > 8 else ''}")
        return sorted(chosen)
