"""`oscnet import` carries a real Wekinator project over; `oscnet export` writes Wekinator's ARFF.

Expected values come from the shared projects' own files (see their SOURCE.md). That training
an imported numeric output gives Weka's weights is checked in test_weka_fixtures.py, which
reads every numeric output through `read_wekinator`.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import wekinator_project

from oscnet.errors import OscnetError
from oscnet.project.arff import read_arff
from oscnet.project.folder import load_project
from oscnet.project.wekinator import _read_examples, export_arff, read_wekinator

EXPECTED = {
    "RyanBRiley__IML4HCI__pj2": dict(
        name="pj2", port=6448, host="localhost", out_port=12000, n_inputs=30, examples=2049,
        outputs=["Pitch", "Speed", "Cutoff", "Reso"], types=["continuous 0..1 soft"] * 4, per_output=[2049] * 4),
    "artintelclass__interactive-project-kg1642__InteractiveProject": dict(
        name="InteractiveProject", port=6448, host="localhost", out_port=12000, n_inputs=3, examples=2156,
        outputs=None, types=["continuous 0..127 soft"] * 2, per_output=[2156] * 2),
    "ElBarbs__CART398-TacSound__Wekinator-TacSound": dict(
        name="WekinatorFinal", port=6448, host="localhost", out_port=4560, n_inputs=11, examples=730,
        outputs=None, per_output=[730] * 6,
        types=["continuous 30..120 hard integer", "continuous 0..1 hard", "continuous 0..3 hard integer",
               "continuous 0..1 hard integer", "continuous 0..1 hard", "continuous 0..1 hard"]),
    "dienuq__Sonification-Box__Sonification": dict(
        name="Sonification", port=6448, host="localhost", out_port=12000, n_inputs=42, examples=3450,
        outputs=["outputs-1", "outputs-2", "outputs-3", "outputs-4"], per_output=[534, 515, 603, 1798],
        types=["continuous 0..1 soft"] * 3 + ["classifier 3 classes"]),
}


def oscnet(*args):
    return subprocess.run([sys.executable, "-m", "oscnet", *args], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("folder", sorted(EXPECTED))
def test_every_shared_project_imports_with_its_settings_and_examples(tmp_path, folder):
    want = EXPECTED[folder]
    result = oscnet("import", str(wekinator_project(folder)), "--to", str(tmp_path / "p"))
    assert result.returncode == 0, result.stderr
    project = load_project(tmp_path / "p")
    config = project.config
    assert config.name == want["name"] and config.receive_port == want["port"]
    assert (config.send_host, config.send_port) == (want["host"], want["out_port"])
    assert (config.input_address, config.output_address) == ("/wek/inputs", "/wek/outputs")
    assert len(config.inputs) == want["n_inputs"]
    assert [o.describe() for o in config.outputs] == want["types"]
    if want["outputs"]:
        assert [o.name for o in config.outputs] == want["outputs"]
    assert len(project.examples) == want["examples"]
    assert [project.examples.count_for_output(k) for k in range(len(config.outputs))] == want["per_output"]
    assert f"{want['examples']} examples" in result.stdout


def test_the_imported_examples_equal_the_arff_rows_in_file_order():
    folder = wekinator_project("artintelclass__interactive-project-kg1642__InteractiveProject")
    arff = read_arff(folder / "current" / "currentData.arff")
    block = read_wekinator(folder).examples.block()
    np.testing.assert_array_equal(block.inputs, arff.data[:, 3:6])
    np.testing.assert_array_equal(block.outputs, arff.data[:, 6:])
    np.testing.assert_array_equal(block.rounds, arff.data[:, 2])
    assert block.rounds.min() == 14 and block.rounds.max() == 25  # not renumbered


def test_classifier_labels_are_wekinators_one_to_n_and_missing_stays_missing():
    imported = read_wekinator(wekinator_project("dienuq__Sonification-Box__Sonification"))
    labels = imported.examples.block().outputs[:, 3]
    assert set(np.unique(labels[~np.isnan(labels)])) <= {1.0, 2.0, 3.0}
    assert any("Wekinator's defaults apply (classifier: knn with k = 1" in note for note in imported.notes)


def test_the_note_on_learners_is_printed_not_dropped(tmp_path):
    """The shared projects carry no current/models/ (their SOURCE.md): the import says which
    learners the outputs get instead, in one line."""
    out = oscnet("import", str(wekinator_project("dienuq__Sonification-Box__Sonification")), "--to", str(tmp_path / "p")).stdout
    assert "note: no current/models/modelN.xml for output(s) 1, 2, 3, 4: Wekinator's defaults apply" in out


@pytest.mark.parametrize("folder", sorted(EXPECTED))
def test_export_then_import_round_trips_the_examples_exactly(tmp_path, folder):
    imported = read_wekinator(wekinator_project(folder))
    path = export_arff(tmp_path / "out.arff", imported.config, imported.examples)
    again = _read_examples(path, imported.config, [])
    a, b = imported.examples.block(), again.block()
    for x, y in [(a.inputs, b.inputs), (a.outputs, b.outputs), (a.rounds, b.rounds), (a.times, b.times)]:
        np.testing.assert_array_equal(x, y)


def test_export_command_writes_wekinators_layout(tmp_path):
    oscnet("import", str(wekinator_project("dienuq__Sonification-Box__Sonification")), "--to", str(tmp_path / "p"))
    result = oscnet("export", str(tmp_path / "p"), "--arff", str(tmp_path / "x.arff"))
    assert result.returncode == 0, result.stderr
    lines = (tmp_path / "x.arff").read_text().splitlines()
    assert lines[:5] == ["@relation dataset", "", "@attribute ID numeric",
                         "@attribute Time date 'yyyy/MM/dd HH:mm:ss:SSS'", "@attribute 'Training round' numeric"]
    assert "@attribute outputs-4 {0,1,2,3}" in lines
    first = lines[lines.index("@data") + 1]
    assert first.startswith("1,'2022/10/28 07:47:47:744',1,0.21,0.5575,") and first.endswith(",0,?,?,?")


def _wekinator_folder(tmp, outputs_xml, arff=None):
    (tmp / "p.wekproj").write_text("<?xml version=\"1.0\"?>\n<WekinatorFileData>\n  <oscReceivePort>7000</oscReceivePort>\n"
                                   "  <projectName>it&apos;s a test, ok</projectName>\n</WekinatorFileData>")
    (tmp / "inputConfig.xml").write_text("<OSCInputGroup>\n  <oscMessage>/my/in</oscMessage>\n  <numInputs>2</numInputs>\n"
                                         "  <groupName>Inputs</groupName>\n  <inputNames>\n    <string>a &amp; b</string>\n"
                                         "    <string>c</string>\n  </inputNames>\n</OSCInputGroup>")
    (tmp / "outputConfig.xml").write_text(outputs_xml)
    if arff is not None:
        (tmp / "current").mkdir()
        (tmp / "current" / "currentData.arff").write_text(arff)
    return tmp


NUMERIC_OUT = ("<OSCOutputGroup>\n  <oscMessage>/my/out</oscMessage>\n  <hostName>10.0.0.5</hostName>\n"
               "  <outputPort>9000</outputPort>\n  <outputs class=\"linked-list\">\n"
               "    <wekimini.osc.OSCNumericOutput>\n      <name></name>\n      <min>-1.5</min>\n      <max>2.0</max>\n"
               "      <outputType>REAL</outputType>\n      <limitType>SOFT</limitType>\n"
               "    </wekimini.osc.OSCNumericOutput>\n  </outputs>\n</OSCOutputGroup>")


def test_escaped_names_custom_addresses_empty_names_and_an_empty_data_set(tmp_path):
    arff = ("@relation dataset\n\n@attribute ID numeric\n@attribute Time date 'yyyy/MM/dd HH:mm:ss:SSS'\n"
            "@attribute 'Training round' numeric\n@attribute 'a & b' numeric\n@attribute c numeric\n"
            "@attribute '' numeric\n\n@data\n")
    imported = read_wekinator(_wekinator_folder(tmp_path, NUMERIC_OUT, arff))
    c = imported.config
    assert c.name == "it's a test, ok" and c.receive_port == 7000
    assert c.inputs == ["a & b", "c"] and c.input_address == "/my/in" and c.output_address == "/my/out"
    assert (c.send_host, c.send_port) == ("10.0.0.5", 9000)
    assert c.outputs[0].name == "outputs-1" and c.outputs[0].min == -1.5  # an empty name gets the default
    assert len(imported.examples) == 0


def test_a_dtw_project_without_its_model_file_is_refused_in_one_clear_line(tmp_path):
    dtw = NUMERIC_OUT.replace("wekimini.osc.OSCNumericOutput", "wekimini.osc.OSCDtwOutput")
    with pytest.raises(OscnetError, match="a DTW project keeps its gestures in current/models/model1.xml"):
        read_wekinator(_wekinator_folder(tmp_path, dtw))


def test_a_wekinator_dtw_project_imports_and_runs(tmp_path):
    """The DTW project in Wekinator's format (tests/fixtures/dtw, see make_projects.py): its
    gestures, examples, threshold and settings come over, and the imported project matches
    the spec's scenario A input for input (the first gesture-1 match at input 9)."""
    from test_dtw_matcher import RUN, wekinator_trace_a

    from oscnet.live.session import Session

    source = Path(__file__).parent / "fixtures" / "dtw" / "ScenarioA"
    assert oscnet("import", str(source), "--to", str(tmp_path / "p")).returncode == 0
    with Session(project_dir=tmp_path / "p", autosave=False) as session:
        spec = session.config.outputs[0]
        assert (spec.type, spec.gestures, spec.threshold) == ("dtw", ["output_1", "output_2", "output_3"], 5.0)
        assert [len(e) for e in session.dtw.matcher.store.examples] == [2, 1, 0]
        session.start_running()
        reports = [session.dtw.matcher.push(point) for point in RUN[:10]]
        first = next(k for k, (_, match) in enumerate(reports) if match is not None)
        assert reports[first][1] == 0 and first + 1 == 9
        assert len(wekinator_trace_a()) >= 9


@pytest.mark.parametrize("damage,message", [
    (lambda d: (d / "outputConfig.xml").write_text("<OSCOutputGroup><oops"), "outputConfig.xml, line 1: not valid XML"),
    (lambda d: (d / "p.wekproj").unlink(), "has no .wekproj"),
    (lambda d: (d / "current" / "currentData.arff").write_text("@relation x\n@attribute a numeric\n@data\n1\n"),
     "1 attributes, expected 3 + 2 inputs + 1 outputs"),
])
def test_a_damaged_project_names_the_file_and_the_problem(tmp_path, damage, message):
    arff = ("@relation dataset\n@attribute ID numeric\n@attribute Time date 'yyyy/MM/dd HH:mm:ss:SSS'\n"
            "@attribute 'Training round' numeric\n@attribute a numeric\n@attribute c numeric\n@attribute o numeric\n@data\n")
    folder = _wekinator_folder(tmp_path, NUMERIC_OUT, arff)
    damage(folder)
    with pytest.raises(OscnetError, match=re.escape(message)):
        read_wekinator(folder)


INSTANCES = Path(__file__).parent / "fixtures" / "weka-instances"


@pytest.mark.parametrize("folder", ["dienuq__Sonification-Box__Sonification", "ElBarbs__CART398-TacSound__Wekinator-TacSound"])
def test_weka_reads_the_exported_file_and_sees_the_same_data(tmp_path, folder):
    """The fixture is Weka's own summary of this very export (its sha256 is in the header)."""
    import hashlib

    fixture = (INSTANCES / f"{folder}.txt").read_text()
    imported = read_wekinator(wekinator_project(folder))
    path = export_arff(tmp_path / "x.arff", imported.config, imported.examples)
    assert hashlib.sha256(path.read_bytes()).hexdigest() in fixture.splitlines()[1]
    assert "# exit status: 0" in fixture
    data = read_arff(path)
    assert f"Num Instances:  {len(data.data)}" in fixture
    assert f"Num Attributes: {len(data.attributes)}" in fixture
    rows = [line.split() for line in fixture.splitlines() if re.match(r"^\s+\d+ ", line)]
    assert len(rows) == len(data.attributes)
    for row, attribute, column in zip(rows, data.attributes, data.data.T):
        kind = {"numeric": "Num", "nominal": "Nom", "date": "Dat"}[attribute.kind]
        missing = int(np.isnan(column).sum())
        distinct = len(np.unique(column[~np.isnan(column)]))
        assert row[-1] == str(distinct) and kind in row and attribute.name.split()[0] in row
        assert row[row.index(kind) + 4] == str(missing)


def test_an_imported_project_trained_live_gives_wekas_weights(tmp_path):
    """Import, open it as `oscnet serve --project` would, train: the live path reproduces Weka."""
    from weka_compare import assert_same_model_text, model_text_from_weka_output

    from oscnet.live.session import Session
    from oscnet.nn.wekatext import weka_text

    folder = "artintelclass__interactive-project-kg1642__InteractiveProject"
    assert oscnet("import", str(wekinator_project(folder)), "--to", str(tmp_path / "p")).returncode == 0
    with Session(project_dir=tmp_path / "p", autosave=False) as session:
        session.train()
        session.wait_training()
        for k in (1, 2):
            weka = (Path(__file__).parent / "fixtures" / "weka" / f"{folder}__{k}.txt").read_text()
            assert_same_model_text(weka_text(session.models[k - 1]), model_text_from_weka_output(weka))


def test_import_keeps_each_outputs_learner_options_and_inputs_from_its_model_file(tmp_path):
    """A Wekinator project whose modelN.xml files choose kNN (k = 3) and a polynomial regression on
    one input: `oscnet import` trains those learners, not a network for everything."""
    from wekinator_model_files import builder, classifier_output, model_file, numeric_output, path_xml

    from oscnet.live.session import Session

    source = tmp_path / "wek"
    shutil.copytree(wekinator_project("artintelclass__interactive-project-kg1642__InteractiveProject"), source)
    models = source / "current" / "models"
    models.mkdir(parents=True, exist_ok=True)
    imported = read_wekinator(source)
    first, second = imported.config.outputs
    chosen = {first.name: path_xml(builder("LinearRegressionModelBuilder", featureSelectionType="NONE",
                                           exponent=2, removeColinear=False),
                                   numeric_output(first.name), [imported.config.inputs[1]]),
              second.name: path_xml(builder("KNNModelBuilder", numNeighbors=3), classifier_output(second.name, 3))}
    for k, spec in enumerate((first, second)):
        (models / f"model{k}.xml").write_bytes(model_file(chosen[spec.name]))
    result = oscnet("import", str(source), "--to", str(tmp_path / "p"))
    assert result.returncode == 0, result.stderr
    with Session(project_dir=tmp_path / "p", autosave=False) as session:
        one, two = session.config.outputs
        assert (one.learner, one.options, one.inputs) == ("linear", {"E": 2, "S": 1, "C": True}, [1])
        assert (two.learner, two.options) == ("knn", {"K": 3})


def test_import_never_writes_a_project_that_will_not_open(tmp_path):
    """A Wekinator project with a port oscnet cannot listen on (70000): the import says so, and
    writes nothing, instead of a folder that `oscnet serve --project` would refuse later."""
    (tmp_path / "w").mkdir()
    source = _wekinator_folder(tmp_path / "w", NUMERIC_OUT.replace("<outputPort>9000", "<outputPort>70000"))
    result = oscnet("import", str(source), "--to", str(tmp_path / "p"))
    assert result.returncode == 2 and "port" in result.stderr and "import again" in result.stderr
    assert not (tmp_path / "p").exists()
