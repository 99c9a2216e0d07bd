"""Wekinator DTW projects open in oscnet as they open in Wekinator.

A DTW project keeps everything in `current/models/model1.xml` (plain XStream XML, not a Java
serialisation stream) and the gesture names/addresses in `outputConfig.xml`. The two fixture
projects are written by tests/fixtures/dtw/make_projects.py in Wekinator's format:
`ScenarioA` (defaults, saved with Wekinator's stale sizes) and `NoDownsampling` (scenario B's
settings, an input deselected, renamed gestures, point references in the XML).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from test_dtw_matcher import GESTURE_1_A, GESTURE_1_B, GESTURE_2, MAX, RUN, wekinator_trace_a

from oscnet.dtw.settings import Downsample, DtwSettings, MinimumLength
from oscnet.dtw.wekinator_xml import matcher_from_model, parse_model_xml, parse_output_config, read_model_file
from oscnet.errors import OscnetError

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "dtw"
SCENARIO_A = FIXTURES / "ScenarioA"
NO_DOWNSAMPLING = FIXTURES / "NoDownsampling"


def test_a_saved_project_gives_back_settings_threshold_names_and_examples() -> None:
    model = read_model_file(SCENARIO_A / "current" / "models" / "model1.xml")
    assert (model.n_gestures, model.n_inputs) == (3, 2)
    assert model.settings == DtwSettings()
    assert model.threshold == 5.0
    assert model.gesture_names == ["output_1", "output_2", "output_3"]
    assert model.gesture_addresses == ["/output_1", "/output_2", "/output_3"]
    assert model.active == [True, True, True] and model.selected_inputs == [True, True]
    assert [(e.id, e.gesture) for e in model.examples] == [(1, 0), (2, 0), (3, 1)]
    for example, recorded in zip(model.examples, (GESTURE_1_A, GESTURE_1_B, GESTURE_2)):
        assert example.raw.tolist() == [list(p) for p in recorded]
        assert example.downsampled.tolist() == example.raw[::2].tolist()  # factor 2 when saved
    # Wekinator's sizes as saved, stale downsampled ones included (spec §3.3).
    assert model.sizes == (12, 20, 10, 15)
    assert (model.downsample_policy, model.downsample_factor) == (Downsample.DOWNSAMPLE_TO_MAX_LENGTH, 2)


def test_opening_scenario_a_is_wekinators_scenario_l() -> None:
    """Loading recomputes the downsampled sizes (6 and 10), as Wekinator does: inputs 27 to 37
    change (e.g. #27, #29, #33 below) and every other input sends what scenario A sent."""
    matcher = matcher_from_model(read_model_file(SCENARIO_A / "current" / "models" / "model1.xml"))
    assert (matcher.store.min_ds, matcher.store.max_ds) == (6, 10)
    matcher.start_running()
    changed = {27: [5.03567101198003, 0.25, math.inf], 29: [4.921954848118423, 1.6513878188659974, math.inf]}
    for row in wekinator_trace_a():
        distances, match = matcher.push(row["input"])
        if row["distances"] is None:
            assert distances is None
            continue
        assert distances is not None
        if row["number"] in changed:
            assert distances.tolist() == changed[row["number"]]
        elif row["number"] == 33:
            assert distances[1] == 4.97652858880244
        elif not 27 <= row["number"] <= 37:
            assert distances.tolist() == [math.inf if v == MAX else v for v in row["distances"]], row["number"]
            assert (None if match is None else f"/output_{match + 1}") == row["match"]


def test_a_no_downsampling_project_resolves_xstreams_point_references() -> None:
    """Under NO_DOWNSAMPLING the 'downsampled' series reuses the raw series' points; XStream
    writes them as `reference="../../../timeSeries/tsArray/..."`."""
    text = (NO_DOWNSAMPLING / "current" / "models" / "model1.xml").read_text()
    assert 'TimeSeriesPoint reference="../../../timeSeries/tsArray/' in text
    model = parse_model_xml(text)
    assert all(np.array_equal(e.raw, e.downsampled) for e in model.examples)
    assert model.settings == DtwSettings(hop_size=2, min_length_rule=MinimumLength.SET_FROM_EXAMPLES,
                                         downsample=Downsample.NO_DOWNSAMPLING)
    assert model.threshold == 2.0
    assert model.selected_inputs == [True, False]
    assert model.gesture_names == ["circle", "swipe", "shake"]


def test_opening_the_no_downsampling_project_matches_as_scenario_b() -> None:
    """/output_2 (here /swipe) at input 16, /output_1 (/circle) at input 41."""
    matcher = matcher_from_model(read_model_file(NO_DOWNSAMPLING / "current" / "models" / "model1.xml"))
    names = parse_output_config((NO_DOWNSAMPLING / "outputConfig.xml").read_text()).gesture_addresses
    matcher.start_running()
    fired = [(k, names[match]) for k, point in enumerate(RUN, start=1)
             if (match := matcher.push(point)[1]) is not None]
    assert fired == [(16, "/swipe"), (41, "/circle")]


def test_output_config_says_where_distances_and_matches_go() -> None:
    output = parse_output_config((SCENARIO_A / "outputConfig.xml").read_text())
    assert output.name == "output"
    assert output.gesture_names == ["output_1", "output_2", "output_3"]
    assert output.gesture_addresses == ["/output_1", "/output_2", "/output_3"]
    assert (output.distances_address, output.host, output.port) == ("/wek/outputs", "localhost", 12000)


def test_new_recordings_after_opening_get_fresh_ids() -> None:
    """Wekinator reuses ids 1, 2, ... after opening a project (spec §7 item 16); oscnet does not."""
    matcher = matcher_from_model(read_model_file(SCENARIO_A / "current" / "models" / "model1.xml"))
    matcher.start_recording(2)
    matcher.push([0.0, 0.0])
    example = matcher.stop_recording()
    assert example is not None and example.id == 4


def test_files_that_are_not_dtw_models_are_refused_with_a_reason() -> None:
    with pytest.raises(OscnetError, match="not readable XML"):
        parse_model_xml("this is not xml")
    with pytest.raises(OscnetError, match="not <DtwModel>"):
        parse_model_xml('<?xml version="1.0"?>\n<OSCOutputGroup/>')
    with pytest.raises(OscnetError, match="Java serialisation stream"):
        parse_model_xml(b"\xac\xed\x00\x05t\x00\x03abc")
    text = (SCENARIO_A / "current" / "models" / "model1.xml").read_text()
    with pytest.raises(OscnetError, match="examples for 3 gestures but has 2"):
        parse_model_xml(text.replace("<numGestures>3</numGestures>", "<numGestures>2</numGestures>"))
    with pytest.raises(OscnetError, match="match_width must be a whole number"):
        parse_model_xml(text.replace("<matchWidth>5</matchWidth>", "<matchWidth>0</matchWidth>"))
    with pytest.raises(OscnetError, match="running_type must be one of"):
        parse_model_xml(text.replace("LABEL_CONTINUOUSLY", "SOMETIMES"))
    supervised = (SCENARIO_A / "outputConfig.xml").read_text().replace("OSCDtwOutput", "OSCNumericOutput")
    with pytest.raises(OscnetError, match="no DTW output"):
        parse_output_config(supervised)


def test_the_fixture_projects_have_wekinators_layout() -> None:
    for project in (SCENARIO_A, NO_DOWNSAMPLING):
        files = sorted(str(p.relative_to(project)) for p in project.rglob("*") if p.is_file())
        assert files == sorted([f"{project.name}.wekproj", "inputConfig.xml", "outputConfig.xml",
                                "current/currentData.csv", "current/models/model1.xml"])
        for name in (f"{project.name}.wekproj", "inputConfig.xml", "outputConfig.xml", "current/models/model1.xml"):
            text = (project / name).read_text()
            assert text.startswith('<?xml version="1.0"?>\n') and not text.endswith("\n")
        csv = (project / "current" / "currentData.csv").read_text().splitlines()
        assert csv[0].startswith("# First field is # dimensions") and len(csv) == 4
        assert all(line.endswith(",") for line in csv[1:])
