"""Wekinator's dynamic time warping (DTW) gesture output (spec: shared/specs/wekinator-dtw.md).

fastdtw.py      FastDTW 1.1.0 and full DTW, bit for bit as Wekinator's jar
settings.py     the DTW settings and Wekinator's defaults
gestures.py     the gesture store: examples and Wekinator's size bookkeeping
search.py       the per-input search (every example against every candidate window)
matcher.py      recording, running, matching: `DtwMatcher.push(vector) -> (distances, match)`
wekinator_xml.py  import of a Wekinator DTW project's model1.xml and outputConfig.xml
bench.py        matching cost per input against the input period
"""
