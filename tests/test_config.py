"""Configs: Wekinator's defaults, a full round trip, and errors that name the key, file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from oscnet.errors import OscnetError
from oscnet.live.demo import DEMO_YAML
from oscnet.project.config import Config
from oscnet.project.outputs import OutputSpec

CONFIGS = Path(__file__).resolve().parent.parent / "configs"


def test_default_yaml_is_wekinators_new_project():
    config = Config.load(CONFIGS / "default.yaml")
    assert config == Config.default()
    assert config.inputs == [f"inputs-{k}" for k in range(1, 6)]
    assert [o.name for o in config.outputs] == [f"outputs-{k}" for k in range(1, 6)]
    assert all(o == OutputSpec(o.name, "continuous", 0.0, 1.0, "soft", False) for o in config.outputs)
    assert (config.receive_port, config.input_address) == (6448, "/wek/inputs")
    assert (config.send_host, config.send_port, config.output_address) == ("127.0.0.1", 12000, "/wek/outputs")
    assert (config.recipe, config.options) == ("weka", {"hidden": "i"})


def test_demo_yaml_is_the_demos_built_in_config():
    assert Config.load(CONFIGS / "demo.yaml") == Config.from_yaml(DEMO_YAML)


def test_a_full_config_round_trips_through_yaml():
    text = """
inputs: [x, y, z]
outputs:
  - pitch
  - {name: volume, min: -1, max: 127.5, limits: hard, integer: true, inputs: [1, z]}
  - {name: zone, type: classifier, classes: 4, distribution: true}
receive: {port: 9000, address: /hand}
send: {host: localhost, port: 9001}
training: {recipe: weka, options: {hidden: "4,2", epochs: 100}}
recordings: null
"""
    config = Config.from_yaml(text)
    assert config.outputs[1] == OutputSpec("volume", "continuous", -1, 127.5, "hard", True, inputs=[0, 2])
    assert config.outputs[2] == OutputSpec("zone", "classifier", classes=4, distribution=True)
    assert config.inputs == ["x", "y", "z"] and config.recordings is None
    assert Config.from_yaml(config.to_yaml()) == config


def test_counts_give_wekinators_names_from_the_addresses():
    config = Config.from_yaml("inputs: 2\noutputs: 3\nreceive: {address: /hand}\nsend: {address: /synth}\n")
    assert config.inputs == ["hand-1", "hand-2"]
    assert [o.name for o in config.outputs] == ["synth-1", "synth-2", "synth-3"]


@pytest.mark.parametrize("text, line, words", [
    ("inputs: 2\nrecieve: {port: 1}\n", 2, ["unknown key 'recieve'", "did you mean 'receive'"]),
    ("receive:\n  port: abc\n", 2, ["receive.port", "whole number"]),
    ("receive:\n  port: 70000\n", 2, ["receive.port"]),
    ("outputs:\n  - {name: a, type: classifier}\n", 2, ["classes: N"]),
    ("outputs:\n  - name: a\n    min: 2\n    max: 1\n", 4, ["outputs[1].max", "≥ min"]),
    ("outputs:\n  - {name: a, limits: firm}\n", 2, ["outputs[1].limits", "soft or hard"]),
    ("outputs:\n  - {name: a, type: classifier, classes: 2, min: 0}\n", 2, ["does not apply"]),
    ("inputs: 2\noutputs:\n  - {name: a, inputs: [3]}\n", 3, ["is not an input"]),
    ("outputs: [a, a]\n", 1, ["repeated: a"]),
    ("training:\n  options: {hiden: 3}\n", 2, ["unknown option 'hiden'", "did you mean hidden"]),
    ("training:\n  recipe: batch\n  options: {hiden: 8}\n", 3, ["batch recipe", "did you mean hidden"]),
    ("training:\n  recipe: seed\n  options: {momentum: 0.5}\n", 3, ["unknown option 'momentum'", "seed recipe"]),
    ("training:\n  recipe: batch\n  options: {epochs: five}\n", 3, ["epochs", "whole number"]),
    ("training:\n  recipe: svn\n", 2, ["weka or seed or batch"]),
    ("training:\n  recipe: svm\n", 2, ["learns classes only", "learner: svm"]),
    ("training:\n  options: &o {hidden: i}\n  recipe: *o\n", 3, ["YAML aliases (*name) are not allowed"]),
    ("inputs: [a, b\n", 2, ["not valid YAML"]),
    ("send:\n  address: wek/outputs\n", 2, ["send.address", "starting with /"]),
])
def test_mistakes_name_the_file_the_line_and_the_key(tmp_path, text, line, words):
    path = tmp_path / "mine.yaml"
    path.write_text(text)
    with pytest.raises(OscnetError) as caught:
        Config.load(path)
    message = str(caught.value)
    assert message.startswith(f"{path}, line {line}:"), message
    for word in words:
        assert word in message


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(OscnetError, match="cannot read config"):
        Config.load(tmp_path / "nope.yaml")
