"""Wekinator project folders: read one into an oscnet project, write examples in Wekinator's ARFF.

A Wekinator folder (docs/specs/wekinator-files.md) holds `<name>.wekproj`, `inputConfig.xml`,
`outputConfig.xml` and `current/currentData.arff`. ARFF columns are matched by position (3
metadata columns, the inputs, the outputs), never by name, because real projects disagree.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from oscnet.dtw.output import DtwOutput
from oscnet.dtw.wekinator_xml import matcher_from_model, parse_output_config, read_model_file
from oscnet.errors import OscnetError
from oscnet.project.arff import ArffData, Attribute, read_arff, write_arff
from oscnet.project.config import Config
from oscnet.project.examples import Block, ExampleStore
from oscnet.project.outputs import OutputSpec
from oscnet.project.wekinator_models import read_project_models

log = logging.getLogger(__name__)

NUMERIC = "wekimini.osc.OSCNumericOutput"
CLASSIFIER = "wekimini.osc.OSCClassificationOutput"
DTW = "wekimini.osc.OSCDtwOutput"
DATE_FORMAT = "yyyy/MM/dd HH:mm:ss:SSS"


@dataclass
class Imported:
    """A Wekinator project as oscnet sees it, and the things that could not be carried over."""

    config: Config
    examples: ExampleStore
    notes: list[str] = field(default_factory=list)
    models: list[Any] = field(default_factory=list)  # what comes over trained: a DTW output's examples


def _xml(path: Path) -> ET.Element:
    try:
        return ET.parse(path).getroot()
    except OSError as exc:
        raise OscnetError(f"cannot read {path}: {exc.strerror}") from None
    except ET.ParseError as exc:
        raise OscnetError(f"{path}, line {exc.position[0]}: not valid XML ({exc}); "
                          "is this file from a Wekinator project?") from None


def _text(root: ET.Element, tag: str, path: Path) -> str:
    node = root.find(tag)
    if node is None:
        raise OscnetError(f"{path}: <{tag}> is missing; the file is not a Wekinator config")
    return (node.text or "").strip()


def _number(root: ET.Element, tag: str, path: Path, kind: type = float):
    text = _text(root, tag, path)
    try:
        return kind(text)
    except ValueError:
        raise OscnetError(f"{path}: <{tag}> should be a number, not {text!r}") from None


def read_wekinator(folder: str | Path) -> Imported:
    """Read a Wekinator project folder into an oscnet config and example store."""
    folder = Path(folder)
    if not folder.is_dir():
        raise OscnetError(f"{folder} is not a folder; give the Wekinator project folder (the one with the .wekproj)")
    wekprojs = sorted(folder.glob("*.wekproj"))
    if not wekprojs:
        raise OscnetError(f"{folder} has no .wekproj file: give the Wekinator project folder")
    notes: list[str] = []
    project = _xml(wekprojs[0])
    if len(wekprojs) > 1:
        notes.append(f"{len(wekprojs)} .wekproj files share this folder; settings taken from {wekprojs[0].name}")
    inputs_path, outputs_path = folder / "inputConfig.xml", folder / "outputConfig.xml"
    inputs_xml, outputs_xml = _xml(inputs_path), _xml(outputs_path)

    n_inputs = _number(inputs_xml, "numInputs", inputs_path, int)
    input_names = [(s.text or "") for s in inputs_xml.findall("inputNames/string")]
    if len(input_names) != n_inputs:
        raise OscnetError(f"{inputs_path}: numInputs is {n_inputs} but {len(input_names)} input names are listed")
    outputs: list[OutputSpec] = []
    for number, node in enumerate(outputs_xml.findall("outputs/*"), start=1):
        name = (node.findtext("name") or "").strip() or f"outputs-{number}"
        if node.tag == NUMERIC:
            spec = OutputSpec(name, "continuous", _number(node, "min", outputs_path), _number(node, "max", outputs_path),
                              "hard" if _text(node, "limitType", outputs_path) == "HARD" else "soft",
                              _text(node, "outputType", outputs_path) == "INTEGER")
        elif node.tag == CLASSIFIER:
            spec = OutputSpec(name, "classifier", classes=_number(node, "numClasses", outputs_path, int),
                              distribution=(node.findtext("isSendingDistribution") or "").strip() == "true")
        elif node.tag == DTW:
            return _read_dtw(folder, wekprojs[0], project, inputs_xml, inputs_path, input_names, notes)
        else:
            raise OscnetError(f"{outputs_path}: output {number} has an unknown type <{node.tag}>")
        outputs.append(spec)
    if not outputs:
        raise OscnetError(f"{outputs_path}: no outputs are listed")
    _check_names(input_names, inputs_path, "input")
    _check_names([o.name for o in outputs], outputs_path, "output")

    config = Config(
        inputs=input_names, outputs=outputs,
        name=_text(project, "projectName", wekprojs[0]) or folder.name,
        receive_port=_number(project, "oscReceivePort", wekprojs[0], int),
        input_address=_text(inputs_xml, "oscMessage", inputs_path),
        send_host=_text(outputs_xml, "hostName", outputs_path),
        send_port=_number(outputs_xml, "outputPort", outputs_path, int),
        output_address=_text(outputs_xml, "oscMessage", outputs_path),
    )
    _read_learners(folder, config, notes)
    examples = _read_examples(folder / "current" / "currentData.arff", config, notes)
    return Imported(config, examples, notes, [None] * len(outputs))


def _read_dtw(folder: Path, wekproj: Path, project: ET.Element, inputs_xml: ET.Element, inputs_path: Path,
              input_names: list[str], notes: list[str]) -> Imported:
    """A Wekinator DTW project: its one output, settings, threshold and examples from
    current/models/model1.xml (where Wekinator reads them; currentData.csv is never read)."""
    outputs_path, model_path = folder / "outputConfig.xml", folder / "current" / "models" / "model1.xml"
    if not model_path.is_file():
        raise OscnetError(f"{model_path} is missing: a DTW project keeps its gestures in current/models/model1.xml")
    try:
        output = parse_output_config(outputs_path.read_text(encoding="utf-8"))
        model = read_model_file(model_path)
    except OSError as exc:
        raise OscnetError(f"cannot read {exc.filename}: {exc.strerror}; a DTW project keeps its gestures in "
                          "current/models/model1.xml") from None
    if model.n_inputs != len(input_names):
        raise OscnetError(f"{model_path}: {model.n_inputs} inputs, but inputConfig.xml lists {len(input_names)}")
    names = output.gesture_names or model.gesture_names
    dtw = DtwOutput(matcher_from_model(model), list(names), list(input_names), output.name)
    spec = OutputSpec(output.name, "dtw", gestures=list(names), threshold=model.threshold,
                      dtw=model.settings.to_dict())
    if output.gesture_addresses and output.gesture_addresses != ["/" + n for n in names]:
        notes.append(f"match addresses {', '.join(output.gesture_addresses)} become /<gesture name> in oscnet")
    config = Config(inputs=input_names, outputs=[spec], name=_text(project, "projectName", wekproj) or folder.name,
                    receive_port=_number(project, "oscReceivePort", wekproj, int),
                    input_address=_text(inputs_xml, "oscMessage", inputs_path),
                    send_host=output.host, send_port=output.port, output_address=output.distances_address)
    counts = ", ".join(f"{n}: {len(e)}" for n, e in zip(names, dtw.matcher.store.examples))
    notes.append(f"a DTW project: its examples are the gestures' ({counts}), kept with the output")
    return Imported(config, ExampleStore(len(input_names), 1), notes, [dtw])


def _read_learners(folder: Path, config: Config, notes: list[str]) -> None:
    """Each output's learner, options and input selection from current/models/modelN.xml.

    Only the XML part of those files is read (never the Java-serialised Weka model after it), so
    an imported project is retrained, with the learner its author chose.
    """
    defaulted = []
    for k, (spec, choice) in enumerate(zip(config.outputs, read_project_models(folder, len(config.outputs)))):
        if choice.defaulted:
            defaulted.append(str(k + 1))
            continue
        spec.learner, spec.options = choice.recipe, dict(choice.options)
        if choice.input_names is not None and choice.input_names != config.inputs:
            # Wekinator maps a name it does not know to input 0 (convertInputNamesToIndices)
            spec.inputs = [config.inputs.index(n) if n in config.inputs else 0 for n in choice.input_names]
    if defaulted:
        notes.append(f"no current/models/modelN.xml for output(s) {', '.join(defaulted)}: Wekinator's defaults "
                     "apply (classifier: knn with k = 1; continuous: the network, -H i)")
    if len(defaulted) < len(config.outputs):
        notes.append("each output's learner and inputs were read from its model file; the trained Weka "
                     "models in those files are not (they are Java objects): run `train` after import")


def _check_names(names: list[str], path: Path, what: str) -> None:
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise OscnetError(f"{path}: {what} names must all be different; repeated: {', '.join(repeated)}")


def _read_examples(path: Path, config: Config, notes: list[str]) -> ExampleStore:
    """currentData.arff → examples; classifier values become their labels 1..N, `?` stays missing."""
    n_in, n_out = len(config.inputs), len(config.outputs)
    store = ExampleStore(n_in, n_out)
    if not path.exists():
        notes.append("no current/currentData.arff: the project has no examples")
        return store
    arff = read_arff(path)
    if len(arff.attributes) != 3 + n_in + n_out:
        raise OscnetError(f"{path}: {len(arff.attributes)} attributes, expected 3 + {n_in} inputs + {n_out} "
                          "outputs as the XML configs say; the data does not belong to this project")
    data = arff.data
    outputs = data[:, 3 + n_in:].copy()
    for k, spec in enumerate(config.outputs):
        attribute = arff.attributes[3 + n_in + k]
        if spec.is_classifier:
            if attribute.kind != "nominal":
                raise OscnetError(f"{path}: output {k + 1} ({spec.name}) is a classifier but its column is numeric")
            labels = np.array([float(v) for v in attribute.values])
            column = outputs[:, k]
            present = ~np.isnan(column)
            column[present] = labels[column[present].astype(int)]
        elif attribute.kind != "numeric":
            raise OscnetError(f"{path}: output {k + 1} ({spec.name}) is numeric in outputConfig.xml but "
                              f"{attribute.kind} in the ARFF")
    if np.isnan(data[:, 3:3 + n_in]).any():
        raise OscnetError(f"{path}: some input values are missing (?); Wekinator never writes that")
    times = data[:, 1] / 1000.0
    store.extend(Block(data[:, 2].astype(np.int64), times, data[:, 3:3 + n_in].copy(), outputs))
    return store


def examples_arff(config: Config, examples: ExampleStore) -> ArffData:
    """The examples in Wekinator's currentData.arff layout: ID, Time, 'Training round', inputs, outputs."""
    attributes = [Attribute("ID", "numeric"), Attribute("Time", "date", date_format=DATE_FORMAT),
                  Attribute("Training round", "numeric")]
    attributes += [Attribute(name, "numeric") for name in config.inputs]
    block = examples.block()
    outputs = block.outputs.copy()
    for spec in config.outputs:
        if spec.is_classifier:  # nominal {0,1,…,N}: 0 is Wekinator's "no class" placeholder
            attributes.append(Attribute(spec.name, "nominal", [str(c) for c in range(spec.classes + 1)]))
        else:
            attributes.append(Attribute(spec.name, "numeric"))
    n = len(block)
    ids = np.arange(1, n + 1, dtype=np.float64)
    times_ms = np.round(block.times * 1000.0)
    data = np.column_stack([ids, times_ms, block.rounds.astype(np.float64), block.inputs, outputs]) \
        if n else np.zeros((0, len(attributes)))
    return ArffData("dataset", attributes, data)


def export_arff(path: str | Path, config: Config, examples: ExampleStore) -> Path:
    """Write the examples as an ARFF file that Weka and Wekinator open."""
    return write_arff(path, examples_arff(config, examples))
