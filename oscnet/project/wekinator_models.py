"""Which learner, with which options, each output of a Wekinator project uses — read without Java.

``current/models/modelN.xml`` (output N, 0-based) is a Java object stream whose first object is
the output's ``Path`` as XStream XML (see :mod:`oscnet.project.wekinator_xml`). The Path holds
``<modelBuilder class="wekimini.learning.X">``: the learner that trains next, whose fields give
the options (docs/specs/wekinator-models.md §2), plus the output, the selected inputs in
order, and the switches a live tool needs. The rules, as Wekinator 2.x applies them on load
(``Path(Path, Wekinator)`` and each builder's ``fromTemplate``):

* ``KNNModelBuilder`` → IBk: ``knn {"K": numNeighbors}``.
* ``AdaboostModelBuilder`` → AdaBoostM1: ``adaboost {"I": numRounds, "W": "stump"}`` for
  ``DECISION_STUMP``, ``"W": "j48"`` for ``DECISION_TREE``.
* ``J48ModelBuilder`` / ``NaiveBayesModelBuilder`` / ``DecisionStumpModelBuilder`` → no options.
* ``SVMModelBuilder`` → SMO with ``"C": complexity`` and the kernel: ``LINEAR`` is a PolyKernel
  of exponent 1.0 without lower-order terms (the stored ``polyExponent`` is ignored),
  ``POLYNOMIAL`` uses ``polyExponent`` / ``polyUseLowerOrder``, ``RBF`` uses ``rbfGamma`` (0.0
  unless the GUI's editor set it: its text box starts at 0.01).
* ``LinearRegressionModelBuilder`` → LinearRegression: ``"S"`` is Weka's selection tag (M5 0,
  NONE 1, GREEDY 2), ``"C"`` (keep colinear inputs) is ``not removeColinear``, ``"E"`` the
  polynomial exponent (each input expanded to x..x^E first when E ≠ 1).
* ``NeuralNetModelBuilder`` → MultilayerPerceptron ``weka {"H": ...}``: ``"0"`` for 0 hidden
  layers; otherwise ``numHiddenLayers`` comma-separated copies of ``"i"`` (``NUM_FEATURES``) or of
  ``numNodesPerHiddenLayer`` (``NUMBER``, which must then be ≥ 1; Wekinator refuses the file
  otherwise, and so does oscnet, as it does for a negative layer count).
* A builder field missing from the XML takes the value a newly made builder has (1 neighbour,
  100 rounds, ...) and is listed in ``notes``. This covers the pre-2.x NeuralNetModelBuilder
  written with no fields at all, which becomes ``-H i`` as its network was trained; WekiMini
  2.x itself cannot load such a file (its ``<outputName>`` is unknown to 2.x). (For a 2.x file
  with a field removed by hand, Wekinator would see Java's zero values instead — 0, false,
  null; e.g. no ``kernelType`` means RBF there. Wekinator itself never leaves a field out.)
* Output correction (clamp to [min, max] for HARD limits, then truncate toward zero for
  INTEGER) applies only when ``<outputNeedsCorrection>`` is true; Wekinator rebuilds the
  corrector from the path's own ``<output>`` on load, so that is where min/max come from
  (Java ``float`` values, kept here exactly as Java holds them).

A missing model file gets Wekinator's default builder for the output type — classifier: k-NN
with K=1; numeric: neural network with ``-H i`` — and ``defaulted=True`` with a one-line reason.
(Wekinator itself would not open such a project as a supervised one.)
"""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from oscnet.errors import OscnetError
from oscnet.project.wekinator_xml import (
    XStreamDoc,
    first_java_string,
    parse_xstream_xml,
    read_dtw_model,
    read_model_text,
)

__all__ = ["LearnerChoice", "OutputInfo", "default_choice", "first_java_string", "learner_from_path",
           "read_dtw_model", "read_model_xml", "read_project_models"]

Option = int | float | str | bool
BUILDER_PREFIX = "wekimini.learning."
NUMERIC = "wekimini.osc.OSCNumericOutput"
CLASSIFIER = "wekimini.osc.OSCClassificationOutput"
DTW = "wekimini.osc.OSCDtwOutput"
# builder class (without package) → (recipe, output kind Wekinator offers it for)
BUILDERS = {
    "KNNModelBuilder": ("knn", "classifier"), "AdaboostModelBuilder": ("adaboost", "classifier"),
    "J48ModelBuilder": ("j48", "classifier"), "SVMModelBuilder": ("svm", "classifier"),
    "NaiveBayesModelBuilder": ("naive-bayes", "classifier"),
    "DecisionStumpModelBuilder": ("stump", "classifier"),
    "LinearRegressionModelBuilder": ("linear", "numeric"), "NeuralNetModelBuilder": ("weka", "numeric"),
}
# the values a freshly constructed builder holds (used for fields missing from the XML)
FIELD_DEFAULTS: dict[str, dict[str, str]] = {
    "KNNModelBuilder": {"numNeighbors": "1"},
    "AdaboostModelBuilder": {"numRounds": "100", "baseLearnerType": "DECISION_TREE"},
    "SVMModelBuilder": {"kernelType": "POLYNOMIAL", "polyExponent": "2.0", "polyUseLowerOrder": "false",
                        "rbfGamma": "0.0", "complexity": "1.0"},
    "LinearRegressionModelBuilder": {"featureSelectionType": "NONE", "exponent": "1", "removeColinear": "false"},
    "NeuralNetModelBuilder": {"numHiddenLayers": "1", "hiddenLayerType": "NUM_FEATURES",
                              "numNodesPerHiddenLayer": "0"},
}
SELECTION_TAGS = {"M5": 0, "NONE": 1, "GREEDY": 2}  # Weka LinearRegression's -S values


@dataclass(frozen=True)
class OutputInfo:
    """One output as a model file (or outputConfig.xml) describes it.

    Numeric outputs use ``min``/``max`` (Java floats widened to double, exactly as Wekinator
    clamps with them), ``integer`` and ``hard_limits``; classifiers ``classes`` (labels 1..N)
    and ``sending_distribution``.
    """

    kind: str  # "numeric" or "classifier"
    name: str
    min: float = 0.0
    max: float = 0.0
    integer: bool = False
    hard_limits: bool = False
    classes: int = 0
    sending_distribution: bool = False

    @property
    def needs_correction(self) -> bool:
        """Wekinator's ``PathOutputCorrecter.needsCorrecting``: set for a new path of this output."""
        return self.kind == "numeric" and (self.integer or self.hard_limits)


@dataclass
class LearnerChoice:
    """The learner one output trains with, in oscnet's vocabulary, and the path's settings.

    ``options`` is keyed by oscnet's flag letters (see the module docstring). ``input_names``
    are the selected inputs in the order the model sees them; ``None`` means all of the
    project's inputs in project order (no ``<inputNames>`` in the file, or a defaulted choice
    whose inputConfig.xml could not be read).
    """

    recipe: str
    options: dict[str, Option]
    output_name: str
    kind: str  # "numeric" or "classifier": the output's type
    input_names: list[str] | None
    output: OutputInfo | None = None
    builder: str = ""  # Wekinator's builder class, e.g. "wekimini.learning.KNNModelBuilder"
    needs_correction: bool = False
    record_enabled: bool = True
    run_enabled: bool = True
    model_state: str = ""  # NOT_READY, READY_FOR_BUILDING, BUILT, NEEDS_REBUILDING, ...
    num_examples: int = 0
    defaulted: bool = False
    reason: str = ""  # one line: where this choice comes from
    notes: list[str] = field(default_factory=list)


def default_choice(output: OutputInfo, input_names: list[str] | None, reason: str) -> LearnerChoice:
    """Wekinator's default learner for a new output: k-NN K=1 (classifier), MLP -H i (numeric)."""
    recipe, options, what = ("knn", {"K": 1}, "k-NN, K=1") if output.kind == "classifier" \
        else ("weka", {"H": "i"}, "neural network, -H i")
    builder = "KNNModelBuilder" if output.kind == "classifier" else "NeuralNetModelBuilder"
    return LearnerChoice(recipe, dict(options), output.name, output.kind,
                         None if input_names is None else list(input_names), output,
                         BUILDER_PREFIX + builder, output.needs_correction, defaulted=True,
                         reason=f"{reason}: Wekinator's default for a {output.kind} output ({what})")


# ----------------------------------------------------------------------------- XML field readers

def _text(node: ET.Element | None, tag: str) -> str | None:
    child = None if node is None else node.find(tag)
    return None if child is None else (child.text or "")


def _typed(raw: str, kind: type, where: str) -> Option:
    raw = raw.strip()
    if kind is bool:
        if raw not in ("true", "false"):
            raise OscnetError(f"{where} should be true or false, not {raw!r}")
        return raw == "true"
    try:
        return int(raw) if kind is int else float(raw)
    except ValueError:
        raise OscnetError(f"{where} should be {'an integer' if kind is int else 'a number'}, "
                          f"not {raw!r}") from None


def _java_float(value: float) -> float:
    """The double Java gets from a ``float`` field (Wekinator stores output min/max as floats)."""
    return float(struct.unpack("f", struct.pack("f", value))[0])


def _output_info(node: ET.Element, where: str) -> OutputInfo:
    """An ``OSCNumericOutput`` / ``OSCClassificationOutput`` element (outputConfig.xml or a Path)."""
    cls = node.get("class", node.tag)
    name = _text(node, "name") or ""
    if cls == NUMERIC:
        lo, hi = (_java_float(float(_typed(_text(node, t) or "0.0", float, f"{where} <{t}>")))
                  for t in ("min", "max"))
        return OutputInfo("numeric", name, lo, hi, (_text(node, "outputType") or "").strip() == "INTEGER",
                          (_text(node, "limitType") or "").strip() == "HARD")
    if cls == CLASSIFIER:
        classes = int(_typed(_text(node, "numClasses") or "0", int, f"{where} <numClasses>"))
        distribution = _typed(_text(node, "isSendingDistribution") or "false", bool,
                              f"{where} <isSendingDistribution>")
        return OutputInfo("classifier", name, classes=classes, sending_distribution=bool(distribution))
    if cls == DTW:
        raise OscnetError(f"{where}: a dynamic time warping (DTW) output has no supervised model; "
                          "read its current/models/model1.xml with read_dtw_model")
    raise OscnetError(f"{where}: unknown output type {cls!r}")


class _Fields:
    """A builder element's fields, typed, with a newly made builder's value for missing ones."""

    def __init__(self, doc: XStreamDoc, node: ET.Element, short: str, where: str) -> None:
        self.doc, self.node, self.short, self.where = doc, node, short, where
        self.missing: list[str] = []

    def get(self, name: str, kind: type) -> Option:
        child = self.node.find(name)
        if child is None:
            self.missing.append(name)
            raw = FIELD_DEFAULTS[self.short][name]
        else:
            raw = self.doc.deref(child).text or ""
        return _typed(raw, kind, f"{self.where} <{name}>")

    def enum(self, name: str, allowed: tuple[str, ...]) -> str:
        child = self.node.find(name)
        if child is None:
            self.missing.append(name)
            return FIELD_DEFAULTS[self.short][name]
        value = (self.doc.deref(child).text or "").strip()
        if value not in allowed:
            raise OscnetError(f"{self.where} <{name}> is {value!r}; Wekinator writes one of {', '.join(allowed)}")
        return value


def _builder_options(fields: _Fields, notes: list[str]) -> dict[str, Option]:
    """The builder's XML fields → oscnet options (rules in the module docstring)."""
    short, get = fields.short, fields.get
    if short == "KNNModelBuilder":
        return {"K": get("numNeighbors", int)}
    if short == "AdaboostModelBuilder":
        base = fields.enum("baseLearnerType", ("DECISION_TREE", "DECISION_STUMP"))
        return {"I": get("numRounds", int), "W": "stump" if base == "DECISION_STUMP" else "j48"}
    if short == "SVMModelBuilder":
        kernel = fields.enum("kernelType", ("LINEAR", "RBF", "POLYNOMIAL"))
        complexity = get("complexity", float)
        if kernel == "LINEAR":
            return {"K": "linear", "C": complexity, "E": 1.0, "L": False}
        if kernel == "POLYNOMIAL":
            return {"K": "poly", "C": complexity, "E": get("polyExponent", float),
                    "L": get("polyUseLowerOrder", bool)}
        gamma = get("rbfGamma", float)
        if gamma == 0.0:
            notes.append("RBF gamma is 0.0 (the builder's default; the GUI's is 0.01): every "
                         "kernel value is 1, so the SVM cannot tell examples apart")
        return {"K": "rbf", "C": complexity, "G": gamma}
    if short == "LinearRegressionModelBuilder":
        selection = fields.enum("featureSelectionType", tuple(SELECTION_TAGS))
        exponent = get("exponent", int)
        if isinstance(exponent, int) and exponent < 1:
            notes.append(f"polynomial exponent {exponent} < 1: Wekinator's editor never sets that")
        return {"E": exponent, "S": SELECTION_TAGS[selection], "C": not get("removeColinear", bool)}
    if short == "NeuralNetModelBuilder":
        return {"H": _hidden_layers(fields)}
    return {}  # J48, NaiveBayes, DecisionStump: no fields, Weka's default options


def _hidden_layers(fields: _Fields) -> str:
    """NeuralNetModelBuilder fields → MultilayerPerceptron's -H string, as ``setHiddenLayers`` makes it."""
    layers = int(fields.get("numHiddenLayers", int))
    kind = fields.enum("hiddenLayerType", ("NUM_FEATURES", "NUMBER"))
    nodes = int(fields.get("numNodesPerHiddenLayer", int))
    if layers < 0:
        raise OscnetError(f"{fields.where}: {layers} hidden layers; Wekinator refuses a negative count")
    if layers == 0:
        return "0"
    if kind == "NUMBER" and nodes < 1:
        raise OscnetError(f"{fields.where}: {nodes} nodes per hidden layer; Wekinator refuses fewer than 1")
    return ",".join(["i" if kind == "NUM_FEATURES" else str(nodes)] * layers)


# ----------------------------------------------------------------------------- one Path

def learner_from_path(doc: XStreamDoc, where: str = "model file") -> LearnerChoice:
    """A parsed ``<Path>`` document → the output's learner choice (``where`` names it in errors)."""
    root = doc.root
    if root.tag == "DtwModel":
        raise OscnetError(f"{where} holds a DTW model, not an output's learning path; use read_dtw_model")
    if root.tag != "Path":
        raise OscnetError(f"{where}: the XML is a <{root.tag}>, not a Wekinator <Path>")
    notes: list[str] = []
    child = root.find("output")
    output = _output_info(doc.deref(child), f"{where} <output>") if child is not None else None
    old_name = _text(root, "outputName")
    if old_name is not None:
        notes.append("written by a Wekinator older than 2.x (it has <outputName>); WekiMini 2.x cannot "
                     "load it, oscnet reads it with the builder's defaults for missing fields")
    builder_node = root.find("modelBuilder")
    if builder_node is None:
        if output is None:
            raise OscnetError(f"{where}: the path has neither a <modelBuilder> nor an <output>")
        choice = default_choice(output, None, f"{where} has no <modelBuilder>")
    else:
        builder_node = doc.deref(builder_node)
        cls = builder_node.get("class", "")
        short = cls[len(BUILDER_PREFIX):] if cls.startswith(BUILDER_PREFIX) else ""
        if short not in BUILDERS:
            known = ", ".join(sorted(BUILDERS))
            raise OscnetError(f"{where}: unknown learner {cls or '(no class attribute)'!r}; "
                              f"oscnet reads {known}")
        recipe, builder_kind = BUILDERS[short]
        fields = _Fields(doc, builder_node, short, f"{where} <modelBuilder>")
        options = _builder_options(fields, notes)
        if fields.missing:
            notes.append(f"{short} fields missing from the file, taken as a new builder's: "
                         + ", ".join(fields.missing))
        kind = output.kind if output is not None else builder_kind
        if kind != builder_kind:
            notes.append(f"{short} is a {builder_kind} learner but the output is {kind}; "
                         "Wekinator's editor would not offer it")
        name = output.name if output is not None else (old_name or "")
        choice = LearnerChoice(recipe, options, name, kind, None, output, cls,
                               reason=f"{where}: {short}")
    if output is None:
        notes.append("the path has no <output>; the output's type is taken from its learner")
    names_node = root.find("inputNames")
    if names_node is not None:
        names_node = doc.deref(names_node)
        if names_node.find("null") is not None:
            raise OscnetError(f"{where} <inputNames> holds a null name")
        choice.input_names = [doc.deref(s).text or "" for s in names_node.findall("string")]
    else:
        notes.append("no <inputNames>: all of the project's inputs are used, in project order")
    correction = _text(root, "outputNeedsCorrection")
    choice.needs_correction = bool(_typed(correction, bool, f"{where} <outputNeedsCorrection>")) \
        if correction is not None else False  # absent (pre-2.x) → Java's false
    for attr, tag in (("record_enabled", "recordEnabled"), ("run_enabled", "runEnabled")):
        raw = _text(root, tag)
        if raw is not None:
            setattr(choice, attr, _typed(raw, bool, f"{where} <{tag}>"))
    choice.model_state = (_text(root, "modelState") or "").strip()
    examples = _text(root, "numExamples")
    choice.num_examples = int(_typed(examples, int, f"{where} <numExamples>")) if examples is not None else 0
    choice.notes = notes + choice.notes
    return choice


def read_model_xml(path: str | Path) -> LearnerChoice:
    """Read ``current/models/modelN.xml`` (Java-serialised Path) → the output's learner choice."""
    path = Path(path)
    text = read_model_text(path)
    try:
        doc = XStreamDoc(parse_xstream_xml(text))
    except OscnetError as exc:
        raise OscnetError(f"{path}: {exc}") from None
    if isinstance(text, bytes):
        raise OscnetError(f"{path} is a plain XML file, not a Java-serialised Wekinator model"
                          + ("; it holds a DTW model (read_dtw_model reads it)" if doc.root.tag == "DtwModel" else ""))
    return learner_from_path(doc, str(path))


# ----------------------------------------------------------------------------- a whole project

def _config(path: Path) -> ET.Element | None:
    if not path.exists():
        return None
    try:
        return parse_xstream_xml(path.read_bytes())
    except OSError as exc:
        raise OscnetError(f"cannot read {path}: {exc.strerror}") from None
    except OscnetError as exc:
        raise OscnetError(f"{path}: {exc}") from None


def read_project_models(project_dir: str | Path, n_outputs: int | None = None) -> list[LearnerChoice]:
    """Every output's learner choice, in output order, defaulted where a model file is missing.

    Reads ``current/models/model0.xml`` … ``model{n-1}.xml``. ``outputConfig.xml`` gives the
    outputs' types for the defaults (and must list ``n_outputs`` outputs when both are known);
    ``inputConfig.xml`` gives a defaulted output's inputs (all of them, in order).
    """
    folder = Path(project_dir)
    out_path, in_path = folder / "outputConfig.xml", folder / "inputConfig.xml"
    out_xml = _config(out_path)
    outputs: list[OutputInfo] | None = None
    if out_xml is not None:
        nodes = out_xml.findall("outputs/*")
        outputs = [_output_info(node, f"{out_path}, output {k + 1}") for k, node in enumerate(nodes)]
    if n_outputs is None:
        if outputs is None:
            raise OscnetError(f"{out_path} is missing: cannot tell how many outputs the project has")
        n_outputs = len(outputs)
    elif outputs is not None and len(outputs) != n_outputs:
        raise OscnetError(f"{out_path} lists {len(outputs)} outputs, expected {n_outputs}")
    in_xml = _config(in_path)
    inputs = None if in_xml is None else [s.text or "" for s in in_xml.findall("inputNames/string")]
    models = folder / "current" / "models"
    choices: list[LearnerChoice] = []
    for k in range(n_outputs):
        path = models / f"model{k}.xml"
        config = outputs[k] if outputs is not None else None
        if path.exists():
            choice = read_model_xml(path)
            if config is not None and config.kind != choice.kind:
                choice.notes.append(f"outputConfig.xml says output {k + 1} is {config.kind}, "
                                    f"its model file says {choice.kind}")
        elif config is None:
            raise OscnetError(f"{path} is missing and {out_path} cannot be read: the output's type "
                              "(hence Wekinator's default learner) is unknown")
        else:
            missing = "there is no current/models/ folder" if not models.is_dir() else f"{path.name} is missing"
            choice = default_choice(config, inputs, missing)
        choices.append(choice)
    return choices
