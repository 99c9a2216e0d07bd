"""ARFF files as Wekinator writes them read back exactly, and bad ones say what is wrong."""


import numpy as np
import pytest
from conftest import wekinator_project

from oscnet.errors import OscnetError
from oscnet.project.arff import ArffData, Attribute, arff_text, read_arff, write_arff

WEKINATOR_STYLE = (
    "@relation 'dataset-weka.filters.unsupervised.attribute.AddValues-C5-L1,2'\n\n"
    "@attribute ID numeric\n"
    "@attribute Time date 'yyyy/MM/dd HH:mm:ss:SSS'\n"
    "@attribute 'Training round' numeric\n"
    "@attribute 'it\\'s x' numeric\n"
    "@attribute '' numeric\n"
    "@attribute outputs-1 {0,1,2}\n\n"
    "@data\r\n"
    "7,'2017/02/12 15:43:21:761',3,0.5,1e-3,2\r\n"
    "2,'2017/02/12 15:43:22:005',4,-1,417.973755,?\r\n"
)


def test_wekinator_dialect_quoted_names_dates_crlf_and_missing(tmp_path):
    path = tmp_path / "currentData.arff"
    path.write_text(WEKINATOR_STYLE)
    data = read_arff(path)
    assert data.relation.startswith("dataset-weka.filters")
    assert [a.name for a in data.attributes] == ["ID", "Time", "Training round", "it's x", "", "outputs-1"]
    assert data.attributes[-1].values == ["0", "1", "2"]
    assert data.data[:, 0].tolist() == [7, 2]  # IDs kept as stored, not sorted
    assert data.data[1, 1] - data.data[0, 1] == pytest.approx(244)  # ms after the colon
    assert data.data[0, 4] == 0.001 and data.data[1, 4] == 417.973755
    assert data.data[0, 5] == 2 and np.isnan(data.data[1, 5])


def test_write_then_read_gives_the_same_values_and_names(tmp_path):
    path = tmp_path / "in.arff"
    path.write_text(WEKINATOR_STYLE)
    first = read_arff(path)
    write_arff(tmp_path / "out.arff", first)
    second = read_arff(tmp_path / "out.arff")
    assert [a.name for a in second.attributes] == [a.name for a in first.attributes]
    np.testing.assert_array_equal(second.data, first.data)
    assert "'2017/02/12 15:43:21:761'" in arff_text(second)


def test_an_empty_data_section_is_zero_examples(tmp_path):
    path = tmp_path / "empty.arff"
    path.write_text("@relation dataset\n\n@attribute a numeric\n@attribute b numeric\n\n@data\n")
    assert read_arff(path).data.shape == (0, 2)


@pytest.mark.parametrize("text,problem", [
    ("@relation r\n@attribute a numeric\n@data\n1,2\n", "line 4: 2 values for 1 attributes"),
    ("@relation r\n@attribute a numeric\n@data\nabc\n", "line 4: 'abc' is not a number"),
    ("@relation r\n@attribute a {x,y}\n@data\nz\n", "'z' is not one of the values"),
    ("@relation r\n@attribute a string\n@data\n", "line 2: attribute 'a' has type 'string'"),
    ("@relation r\n@attribute a numeric\n", "the @data line is missing"),
    ("hello\n", "line 1: expected @relation"),
    ("@relation r\n@attribute a numeric\n@data\n'open\n", "never closed"),
])
def test_a_damaged_file_names_the_file_the_line_and_the_problem(tmp_path, text, problem):
    path = tmp_path / "bad.arff"
    path.write_text(text)
    with pytest.raises(OscnetError) as error:
        read_arff(path)
    assert str(path) in str(error.value) and problem in str(error.value)


@pytest.mark.parametrize("folder,rows,attributes,missing", [
    ("RyanBRiley__IML4HCI__pj2", 2049, 3 + 30 + 4, 0),
    ("artintelclass__interactive-project-kg1642__InteractiveProject", 2156, 3 + 3 + 2, 0),
    ("ElBarbs__CART398-TacSound__Wekinator-TacSound", 730, 3 + 11 + 6, 0),
    ("dienuq__Sonification-Box__Sonification", 3450, 3 + 42 + 4, 10350),
])
def test_every_shared_wekinator_project_reads(folder, rows, attributes, missing):
    data = read_arff(wekinator_project(folder) / "current" / "currentData.arff")
    assert data.data.shape == (rows, attributes)
    assert int(np.isnan(data.data).sum()) == missing
    assert data.attributes[1].kind == "date"


def test_quote_round_trips_names_with_spaces_commas_and_apostrophes():
    names = ["plain", "with space", "a,b", "it's", "back\\slash", ""]
    data = ArffData("r", [Attribute(n, "numeric") for n in names], np.zeros((1, len(names))))
    text = arff_text(data)
    assert "'it\\'s'" in text
    from oscnet.project.arff import _tokens, _unq
    declared = [line.split(" ", 1)[1].rsplit(" ", 1)[0] for line in text.splitlines() if line.startswith("@attribute")]
    assert [_unq(_tokens(d, "test")[0]) for d in declared] == names
