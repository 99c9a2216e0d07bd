"""Reading which learner (and options) each output of a Wekinator project uses.

``current/models/modelN.xml`` is a Java object stream whose first object is the output's Path
as XStream XML; oscnet reads that string and the XML, never Java objects. The files in
tests/fixtures/wekinator_models/ were written by Java (ObjectOutputStream + XStream 1.4.8, as
Wekinator does); the others are built here by tests/wekinator_model_files.py, which is checked
to produce the very same bytes. Stream-level and XML-safety checks: test_wekinator_xml.py.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest
from conftest import SHARED_DATA, wekinator_project
from wekinator_model_files import (
    builder,
    classifier_output,
    input_config,
    model_file,
    numeric_output,
    output_config,
    path_xml,
)

from oscnet.errors import OscnetError
from oscnet.project.wekinator_models import LearnerChoice, read_dtw_model, read_model_xml, read_project_models
from oscnet.project.wekinator_xml import first_java_string

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "wekinator_models"
REPO = Path(__file__).resolve().parents[1]


def write_model(tmp_path: Path, xml: str, name: str = "model0.xml") -> Path:
    path = tmp_path / name
    path.write_bytes(model_file(xml))
    return path


def choose(tmp_path: Path, builder_xml: str | None, output_xml: str | None = None, **kw: object) -> LearnerChoice:
    """Write a model file for this builder (numeric or classifier output to suit) and read it back."""
    if output_xml is None:
        numeric = builder_xml is not None and ("NeuralNet" in builder_xml or "LinearRegression" in builder_xml)
        output_xml = numeric_output() if numeric else classifier_output()
    xml = path_xml(builder_xml, output_xml, ["a", "b"], **kw)  # type: ignore[arg-type]
    return read_model_xml(write_model(tmp_path, xml))


# --------------------------------------------------------------------------- Java-written files

JAVA_FILES = {
    "knn_k3.xml": ("knn", {"K": 3}),
    "adaboost_default.xml": ("adaboost", {"I": 100, "W": "j48"}),
    "adaboost_stump_50.xml": ("adaboost", {"I": 50, "W": "stump"}),
    "j48.xml": ("j48", {}),
    "svm_default.xml": ("svm", {"K": "poly", "C": 1.0, "E": 2.0, "L": False}),
    "svm_linear.xml": ("svm", {"K": "linear", "C": 2.5, "E": 1.0, "L": False}),  # polyExponent 2.0 is ignored
    "svm_poly.xml": ("svm", {"K": "poly", "C": 1.0, "E": 3.0, "L": True}),
    "svm_rbf.xml": ("svm", {"K": "rbf", "C": 10.0, "G": 0.01}),
    "naive_bayes.xml": ("naive-bayes", {}),
    "stump.xml": ("stump", {}),
    "linear_default.xml": ("linear", {"E": 1, "S": 1, "C": True}),
    "linear_m5_poly3.xml": ("linear", {"E": 3, "S": 0, "C": False}),
    "linear_greedy.xml": ("linear", {"E": 1, "S": 2, "C": True}),
    "mlp_default.xml": ("weka", {"H": "i"}),
    "mlp_0.xml": ("weka", {"H": "0"}),
    "mlp_i_i.xml": ("weka", {"H": "i,i"}),
    "mlp_5_5_5.xml": ("weka", {"H": "5,5,5"}),
    "unicode.xml": ("weka", {"H": "i"}),
}


@pytest.mark.parametrize("name", sorted(JAVA_FILES))
def test_every_builder_written_by_java_reads_with_its_options(name: str) -> None:
    choice = read_model_xml(FIXTURES / name)
    assert (choice.recipe, choice.options) == JAVA_FILES[name]
    assert not choice.defaulted and not choice.notes


@pytest.mark.parametrize("name", sorted(JAVA_FILES) + ["long_knn_3000_inputs.xml.gz"])
def test_the_test_files_are_byte_for_byte_what_java_writes(name: str) -> None:
    data = (FIXTURES / name).read_bytes()
    if name.endswith(".gz"):
        data = gzip.decompress(data)
    assert model_file(first_java_string(data)) == data


def test_selected_inputs_keep_their_order_and_the_path_switches_are_read() -> None:
    choice = read_model_xml(FIXTURES / "knn_k3.xml")
    assert choice.input_names == ["inputs-3", "inputs-1"]
    assert (choice.output_name, choice.kind, choice.output and choice.output.classes) == ("gesture", "classifier", 4)
    assert (choice.record_enabled, choice.run_enabled, choice.model_state, choice.num_examples) == \
        (False, True, "BUILT", 12)
    assert choice.builder == "wekimini.learning.KNNModelBuilder"


def test_output_limits_are_javas_float_values_and_correction_follows_the_path_flag() -> None:
    choice = read_model_xml(FIXTURES / "linear_m5_poly3.xml")
    assert choice.output is not None and choice.needs_correction
    assert (choice.output.integer, choice.output.hard_limits) == (True, True)
    assert choice.output.min == 0.10000000149011612  # the float 0.1f, as Wekinator clamps with it
    assert choice.output.max == 127.0


def test_non_ascii_and_non_bmp_names_survive_modified_utf8() -> None:
    choice = read_model_xml(FIXTURES / "unicode.xml")
    assert choice.output_name == "sortie-\u00e9 \U0001d11e"
    assert choice.input_names == ["gr\u00f6\u00dfe", "Tempo \u2669", "clef \U0001d11e", "a & b <c>"]


def test_a_path_longer_than_64k_is_a_java_long_string(tmp_path: Path) -> None:
    data = gzip.decompress((FIXTURES / "long_knn_3000_inputs.xml.gz").read_bytes())
    assert data[4] == 0x7C  # TC_LONGSTRING
    (tmp_path / "model0.xml").write_bytes(data)
    choice = read_model_xml(tmp_path / "model0.xml")
    assert (choice.recipe, choice.options) == ("knn", {"K": 7})
    assert choice.input_names == [f"inputs-{i}" for i in range(1, 3001)]


# --------------------------------------------------------------------------- every builder branch

CASES = [
    (builder("KNNModelBuilder", numNeighbors=5), "knn", {"K": 5}),
    (builder("AdaboostModelBuilder", numRounds=7, baseLearnerType="DECISION_STUMP"),
     "adaboost", {"I": 7, "W": "stump"}),
    (builder("AdaboostModelBuilder", numRounds=20, baseLearnerType="DECISION_TREE"), "adaboost", {"I": 20, "W": "j48"}),
    (builder("J48ModelBuilder"), "j48", {}),
    (builder("NaiveBayesModelBuilder"), "naive-bayes", {}),
    (builder("DecisionStumpModelBuilder"), "stump", {}),
    (builder("SVMModelBuilder", kernelType="LINEAR", polyExponent="3.0", polyUseLowerOrder=True, rbfGamma="0.5",
             complexity="4.0"), "svm", {"K": "linear", "C": 4.0, "E": 1.0, "L": False}),
    (builder("SVMModelBuilder", kernelType="POLYNOMIAL", polyExponent="4.0", polyUseLowerOrder=True, rbfGamma="0.5",
             complexity="1.0E-4"), "svm", {"K": "poly", "C": 1e-4, "E": 4.0, "L": True}),
    (builder("SVMModelBuilder", kernelType="RBF", polyExponent="2.0", polyUseLowerOrder=False, rbfGamma="0.5",
             complexity="1.0"), "svm", {"K": "rbf", "C": 1.0, "G": 0.5}),
    (builder("LinearRegressionModelBuilder", featureSelectionType="NONE", exponent=1, removeColinear=True),
     "linear", {"E": 1, "S": 1, "C": False}),
    (builder("LinearRegressionModelBuilder", featureSelectionType="M5", exponent=10, removeColinear=False),
     "linear", {"E": 10, "S": 0, "C": True}),
    (builder("LinearRegressionModelBuilder", featureSelectionType="GREEDY", exponent=2, removeColinear=True),
     "linear", {"E": 2, "S": 2, "C": False}),
    (builder("NeuralNetModelBuilder", numHiddenLayers=0, hiddenLayerType="NUMBER", numNodesPerHiddenLayer=0),
     "weka", {"H": "0"}),
    (builder("NeuralNetModelBuilder", numHiddenLayers=0, hiddenLayerType="NUM_FEATURES", numNodesPerHiddenLayer=9),
     "weka", {"H": "0"}),
    (builder("NeuralNetModelBuilder", numHiddenLayers=1, hiddenLayerType="NUMBER", numNodesPerHiddenLayer=12),
     "weka", {"H": "12"}),
    (builder("NeuralNetModelBuilder", numHiddenLayers=3, hiddenLayerType="NUM_FEATURES", numNodesPerHiddenLayer=4),
     "weka", {"H": "i,i,i"}),
    (builder("NeuralNetModelBuilder", numHiddenLayers=2, hiddenLayerType="NUMBER", numNodesPerHiddenLayer=5),
     "weka", {"H": "5,5"}),
]


@pytest.mark.parametrize("builder_xml, recipe, options", CASES, ids=[f"{c[1]}-{i}" for i, c in enumerate(CASES)])
def test_builder_fields_become_oscnet_options(tmp_path: Path, builder_xml: str, recipe: str,
                                              options: dict[str, object]) -> None:
    choice = choose(tmp_path, builder_xml)
    assert (choice.recipe, choice.options) == (recipe, options)
    assert choice.input_names == ["a", "b"] and not choice.defaulted


@pytest.mark.parametrize("short, options", [
    ("KNNModelBuilder", {"K": 1}),
    ("AdaboostModelBuilder", {"I": 100, "W": "j48"}),
    ("SVMModelBuilder", {"K": "poly", "C": 1.0, "E": 2.0, "L": False}),
    ("LinearRegressionModelBuilder", {"E": 1, "S": 1, "C": True}),
    ("NeuralNetModelBuilder", {"H": "i"}),
])
def test_missing_fields_take_a_new_builders_values_and_are_noted(tmp_path: Path, short: str,
                                                               options: dict[str, object]) -> None:
    choice = choose(tmp_path, builder(short))
    assert choice.options == options
    assert any("fields missing" in note for note in choice.notes)


def test_pre_2x_neural_net_with_no_fields_is_hidden_layers_i(tmp_path: Path) -> None:
    xml = path_xml(builder("NeuralNetModelBuilder"), numeric_output("outputs-1"), ["inputs-1"],
                   needs_correction=None, extra="  <outputName>outputs-1</outputName>")
    choice = read_model_xml(write_model(tmp_path, xml))
    assert (choice.recipe, choice.options, choice.output_name) == ("weka", {"H": "i"}, "outputs-1")
    assert choice.needs_correction is False  # the field did not exist yet
    assert any("older than 2.x" in note for note in choice.notes)


def test_a_polynomial_exponent_below_1_is_kept_but_noted(tmp_path: Path) -> None:
    choice = choose(tmp_path, builder("LinearRegressionModelBuilder", exponent=0))
    assert choice.options["E"] == 0 and any("exponent 0 < 1" in note for note in choice.notes)


def test_rbf_gamma_zero_is_kept_but_explained(tmp_path: Path) -> None:
    choice = choose(tmp_path, builder("SVMModelBuilder", kernelType="RBF", rbfGamma="0.0", complexity="1.0"))
    assert choice.options == {"K": "rbf", "C": 1.0, "G": 0.0}
    assert any("gamma is 0.0" in note for note in choice.notes)


@pytest.mark.parametrize("builder_xml, message", [
    (builder("NeuralNetModelBuilder", numHiddenLayers=-1, hiddenLayerType="NUMBER", numNodesPerHiddenLayer=2),
     "negative"),
    (builder("NeuralNetModelBuilder", numHiddenLayers=2, hiddenLayerType="NUMBER", numNodesPerHiddenLayer=0),
     "fewer than 1"),
    (builder("SVMModelBuilder", kernelType="SIGMOID"), "LINEAR, RBF, POLYNOMIAL"),
    (builder("KNNModelBuilder", numNeighbors="three"), "<numNeighbors> should be an integer"),
    (builder("SVMModelBuilder", polyUseLowerOrder="yes"), "should be true or false"),
    (builder("RandomForestModelBuilder"), "unknown learner 'wekimini.learning.RandomForestModelBuilder'"),
    ('  <modelBuilder><numNeighbors>1</numNeighbors></modelBuilder>', "no class attribute"),
    (builder("J48ModelBuilder") + '\n  <output class="wekimini.osc.OSCMidiOutput"/>', "unknown output type"),
])
def test_bad_builder_fields_are_refused_with_the_file_and_field_named(tmp_path: Path, builder_xml: str,
                                                                     message: str) -> None:
    with pytest.raises(OscnetError, match="model0.xml") as info:
        choose(tmp_path, builder_xml)
    assert message in str(info.value)


# --------------------------------------------------------------------------- the rest of the Path

def test_switches_and_correction_flag(tmp_path: Path) -> None:
    choice = choose(tmp_path, builder("NeuralNetModelBuilder"), numeric_output(integer=True, hard=True),
                    needs_correction=True, record=False, run=False)
    assert (choice.record_enabled, choice.run_enabled, choice.needs_correction) == (False, False, True)


def test_a_path_with_no_builder_gets_the_default_for_its_output(tmp_path: Path) -> None:
    choice = choose(tmp_path, None, classifier_output("gesture"))
    assert (choice.recipe, choice.options, choice.defaulted) == ("knn", {"K": 1}, True)
    assert "no <modelBuilder>" in choice.reason
    assert choice.input_names == ["a", "b"]


def test_a_path_with_no_output_takes_its_type_from_the_learner(tmp_path: Path) -> None:
    choice = read_model_xml(write_model(tmp_path, path_xml(builder("J48ModelBuilder"), None, ["a"])))
    assert (choice.kind, choice.output) == ("classifier", None)
    assert any("no <output>" in note for note in choice.notes)


def test_a_learner_on_the_wrong_kind_of_output_is_read_and_noted(tmp_path: Path) -> None:
    choice = choose(tmp_path, builder("KNNModelBuilder", numNeighbors=2), numeric_output())
    assert (choice.recipe, choice.kind) == ("knn", "numeric")
    assert any("would not offer it" in note for note in choice.notes)


def test_a_path_with_neither_builder_nor_output_is_refused(tmp_path: Path) -> None:
    with pytest.raises(OscnetError, match="neither a <modelBuilder> nor an <output>"):
        read_model_xml(write_model(tmp_path, path_xml(None, None, ["a"])))


def test_missing_input_names_mean_all_inputs(tmp_path: Path) -> None:
    choice = read_model_xml(write_model(tmp_path, path_xml(builder("J48ModelBuilder"), classifier_output())))
    assert choice.input_names is None


def test_a_null_input_name_is_refused(tmp_path: Path) -> None:
    xml = path_xml(builder("J48ModelBuilder"), classifier_output(), ["a"]).replace("<string>a</string>", "<null/>")
    with pytest.raises(OscnetError, match="null name"):
        read_model_xml(write_model(tmp_path, xml))


def test_xstream_back_references_are_followed(tmp_path: Path) -> None:
    extra = ('  <lastModel class="wekimini.learning.KNNModel">\n    <names class="linked-list">\n'
             '      <string>x</string>\n      <string>y</string>\n    </names>\n  </lastModel>')
    xml = path_xml(builder("J48ModelBuilder"), classifier_output(), None, extra=extra)
    xml = xml.replace("  <outputNeedsCorrection>",
                      '  <inputNames class="linked-list" reference="../lastModel/names"/>\n  <outputNeedsCorrection>')
    assert read_model_xml(write_model(tmp_path, xml)).input_names == ["x", "y"]


# --------------------------------------------------------------------------- whole projects

def make_project(folder: Path, outputs: list[str], models: dict[int, str]) -> Path:
    (folder / "current" / "models").mkdir(parents=True)
    (folder / "outputConfig.xml").write_text(output_config(outputs))
    (folder / "inputConfig.xml").write_text(input_config(["in-1", "in-2", "in-3"]))
    for k, xml in models.items():
        write_model(folder / "current" / "models", xml, f"model{k}.xml")
    return folder


def test_a_project_reads_each_output_and_defaults_the_missing_ones(tmp_path: Path) -> None:
    lr = path_xml(builder("LinearRegressionModelBuilder", featureSelectionType="M5", exponent=2,
                          removeColinear=False), numeric_output("pitch"), ["in-3"])
    folder = make_project(tmp_path, ["numeric:pitch", "classifier:gesture", "numeric:volume"], {0: lr})
    pitch, gesture, volume = read_project_models(folder, 3)
    assert (pitch.recipe, pitch.options, pitch.input_names, pitch.defaulted) == \
        ("linear", {"E": 2, "S": 0, "C": True}, ["in-3"], False)
    assert (gesture.recipe, gesture.options, gesture.defaulted) == ("knn", {"K": 1}, True)
    assert gesture.reason == "model1.xml is missing: Wekinator's default for a classifier output (k-NN, K=1)"
    assert (volume.recipe, volume.options, volume.input_names) == ("weka", {"H": "i"}, ["in-1", "in-2", "in-3"])
    assert volume.needs_correction  # INTEGER + HARD, as Wekinator sets it for a new path
    assert read_project_models(folder) == [pitch, gesture, volume]  # n_outputs from outputConfig.xml


def test_project_level_problems_are_refused_clearly(tmp_path: Path) -> None:
    folder = make_project(tmp_path / "p", ["numeric:a"], {})
    with pytest.raises(OscnetError, match="lists 1 outputs, expected 2"):
        read_project_models(folder, 2)
    (folder / "outputConfig.xml").unlink()
    with pytest.raises(OscnetError, match="model0.xml is missing and .*outputConfig.xml cannot be read"):
        read_project_models(folder, 1)
    with pytest.raises(OscnetError, match="outputConfig.xml is missing: cannot tell how many outputs"):
        read_project_models(folder)
    (folder / "outputConfig.xml").write_text("<OSCOutputGroup><outputs>")
    with pytest.raises(OscnetError, match="outputConfig.xml: not valid XML"):
        read_project_models(folder)
    (folder / "outputConfig.xml").unlink()
    (folder / "outputConfig.xml").mkdir()
    with pytest.raises(OscnetError, match="cannot read .*outputConfig.xml"):
        read_project_models(folder)
    dtw = make_project(tmp_path / "dtw", ["dtw:output"], {})
    with pytest.raises(OscnetError, match="dynamic time warping"):
        read_project_models(dtw)


def test_a_model_file_that_disagrees_with_output_config_is_noted(tmp_path: Path) -> None:
    knn = path_xml(builder("KNNModelBuilder", numNeighbors=1), classifier_output("a"), ["in-1"])
    (choice,) = read_project_models(make_project(tmp_path, ["numeric:a"], {0: knn}))
    assert any("outputConfig.xml says output 1 is numeric" in note for note in choice.notes)


# The learners the authors of the 4 shared projects chose (read by hand from their model files
# at the commits SOURCE.md names): (recipe, options, selected inputs) per output.
ALL_11, ALL_42 = [f"inputs-{i}" for i in range(1, 12)], [f"inputs-{i}" for i in range(1, 43)]
FIRST_15, LAST_15 = [f"inputs-{i}" for i in range(1, 16)], [f"inputs-{i}" for i in range(16, 31)]
MLP: tuple[str, dict[str, object]] = ("weka", {"H": "i"})
REAL_PROJECTS: dict[str, list[tuple[str, dict[str, object], list[str]]]] = {
    "ElBarbs__CART398-TacSound__Wekinator-TacSound": [(*MLP, ALL_11)] * 6,
    "RyanBRiley__IML4HCI__pj2": [(*MLP, FIRST_15), (*MLP, FIRST_15), (*MLP, LAST_15), (*MLP, LAST_15)],
    "artintelclass__interactive-project-kg1642__InteractiveProject": [(*MLP, ["inputs-1", "inputs-2"]),
                                                                      (*MLP, ["inputs-3"])],
    "dienuq__Sonification-Box__Sonification": [(*MLP, ALL_42)] * 3 + [("knn", {"K": 1}, ALL_42)],
}


def real_project(name: str) -> Path:
    """The project with its current/models/: the shared copy if it has them, else
    $OSCNET_WEKINATOR_PROJECTS/<name>: a full copy of the project folder, e.g. for pj2, in a
    clone of RyanBRiley/IML4HCI: ``git archive c7233611 | tar -x -C $DIR/RyanBRiley__IML4HCI__pj2``
    (repository, commit and folder as SOURCE.md lists them; TacSound's folder is ``Wekinator/``).
    Never commit those files: the repositories state no license."""
    for base in (SHARED_DATA / "wekinator-projects", Path(os.environ.get("OSCNET_WEKINATOR_PROJECTS", "/nonexistent"))):
        if (base / name / "current" / "models").is_dir():
            return base / name
    pytest.skip("the shared projects carry no current/models/ (SOURCE.md: serialised models were left "
                "out); set OSCNET_WEKINATOR_PROJECTS to full copies of the projects to run this")


@pytest.mark.parametrize("name", sorted(REAL_PROJECTS))
def test_real_projects_read_with_the_learners_their_authors_set(name: str) -> None:
    choices = read_project_models(real_project(name))
    assert [(c.recipe, c.options, c.input_names) for c in choices] == REAL_PROJECTS[name]
    assert not any(c.defaulted or c.notes for c in choices)


@pytest.mark.parametrize("name", sorted(REAL_PROJECTS))
def test_shared_projects_without_models_get_wekinators_defaults(name: str) -> None:
    choices = read_project_models(wekinator_project(name))
    assert [c.recipe for c in choices] == [r[0] for r in REAL_PROJECTS[name]]
    assert all(c.defaulted and c.input_names is not None for c in choices)


# --------------------------------------------------------------------------- DTW projects

DTW_XML = """<?xml version="1.0"?>
<DtwModel>
  <data>
    <allExamples>
      <linked-list><wekimini.learning.dtw.DtwExample><id>1</id></wekimini.learning.dtw.DtwExample></linked-list>
      <linked-list><wekimini.learning.dtw.DtwExample><id>2</id></wekimini.learning.dtw.DtwExample></linked-list>
    </allExamples>
    <examplesForIds>
      <entry>
        <int>2</int>
        <wekimini.learning.dtw.DtwExample reference="../../../allExamples/linked-list[2]/wekimini.learning.dtw.DtwExample"/>
      </entry>
    </examplesForIds>
  </data>
  <modelName>output</modelName>
</DtwModel>"""


def test_a_dtw_model_file_is_plain_xml_and_is_returned_for_the_dtw_module(tmp_path: Path) -> None:
    models = tmp_path / "current" / "models"
    models.mkdir(parents=True)
    (models / "model1.xml").write_text(DTW_XML)
    doc = read_dtw_model(tmp_path)
    assert doc.root.tag == "DtwModel" and doc.root.findtext("modelName") == "output"
    ref = doc.root.find("data/examplesForIds/entry/wekimini.learning.dtw.DtwExample")
    assert ref is not None and doc.deref(ref).findtext("id") == "2"
    with pytest.raises(OscnetError, match="plain XML file.*DTW model"):
        read_model_xml(models / "model1.xml")


def test_a_dtw_model_in_a_java_string_also_reads(tmp_path: Path) -> None:
    """One Wekinator build (2016-01-17) wrote DTW models like Path files."""
    path = tmp_path / "model1.xml"
    path.write_bytes(model_file(DTW_XML.split("\n", 1)[1]))
    assert read_dtw_model(path).root.findtext("modelName") == "output"
    with pytest.raises(OscnetError, match="DTW model, not an output's learning path"):
        read_model_xml(path)
