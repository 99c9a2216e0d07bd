"""Weka 3.6 building the models oscnet builds, timed in one JVM, as Wekinator builds them.

Wekinator trains its outputs one after another in one long-running JVM. `WekaTime` (below,
compiled against weka.jar into a temporary folder) does the same: it reads a list of jobs (the
Weka class, a training ARFF, the options as Wekinator sets them, docs/specs/wekinator-models.md)
and builds each in turn, `passes` times over, printing each build's wall and CPU milliseconds
around `buildClassifier` alone (what Weka's "Time taken to build model" measures). The first
pass runs in a cold JVM (as Wekinator's first training does); later ones are JIT-warm.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from oscnet.live.trainer import TrainJob

WEKA_JAR = Path("/usr/share/java/weka.jar")

HARNESS = r"""
import java.io.BufferedReader;
import java.io.FileReader;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import weka.classifiers.Classifier;
import weka.core.Instances;
import weka.core.Utils;

public class WekaTime {
    // WekaTime JOBS PASSES; a line of JOBS: CLASS <tab> TRAIN.arff <tab> OPTIONS (Weka's quoting).
    // Prints "pass job wall-ms cpu-ms" per build.
    public static void main(String[] args) throws Exception {
        List<String[]> jobs = new ArrayList<String[]>();
        BufferedReader in = new BufferedReader(new FileReader(args[0]));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            if (line.length() > 0) jobs.add(line.split("\t", -1));
        }
        int passes = Integer.parseInt(args[1]);
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        for (int p = 0; p < passes; p++) {
            for (int j = 0; j < jobs.size(); j++) {
                String[] job = jobs.get(j);
                Instances data = new Instances(new BufferedReader(new FileReader(job[1])));
                data.setClassIndex(data.numAttributes() - 1);
                Classifier c = Classifier.forName(job[0], Utils.splitOptions(job[2]));
                long c0 = cpu.getCurrentThreadCpuTime(), t0 = System.nanoTime();
                c.buildClassifier(data);
                long t1 = System.nanoTime(), c1 = cpu.getCurrentThreadCpuTime();
                System.out.println(p + " " + j + " " + (t1 - t0) / 1e6 + " " + (c1 - c0) / 1e6);
            }
        }
    }
}
"""

MLP = "weka.classifiers.functions.MultilayerPerceptron"
KERNEL = "weka.classifiers.functions.supportVector."


def weka_available() -> str | None:
    """None when Weka can be run here, else what is missing."""
    if not WEKA_JAR.exists():
        return f"{WEKA_JAR} is missing (apt-get install -y weka)"
    missing = [tool for tool in ("java", "javac") if not shutil.which(tool)]
    return f"{' and '.join(missing)} not found (apt-get install -y default-jdk-headless)" if missing else None


def weka_classifier(recipe: str, options: dict[str, Any]) -> tuple[str, list[str], str]:
    """(Weka class, its options as Wekinator sets them, a note) for an oscnet recipe and its options."""
    o = named_options(recipe, options)
    if recipe in ("weka", "seed", "batch"):
        note = "" if recipe == "weka" else f"nearest Weka class ({recipe} is not Weka's rule)"
        return MLP, ["-L", str(o["learning_rate"]), "-M", str(o.get("momentum", 0.0)), "-N", str(o["epochs"]),
                     "-V", "0", "-S", str(o["seed"]), "-E", "20", "-H", str(o["hidden"])], note
    if recipe == "knn":
        search = 'weka.core.neighboursearch.LinearNNSearch -A "weka.core.EuclideanDistance -R first-last"'
        return "weka.classifiers.lazy.IBk", ["-K", str(o["neighbours"]), "-W", "0", "-A", search], ""
    if recipe == "naive-bayes":
        return "weka.classifiers.bayes.NaiveBayes", [], ""
    if recipe == "stump":
        return "weka.classifiers.trees.DecisionStump", [], ""
    if recipe == "j48":
        return "weka.classifiers.trees.J48", ["-C", str(o["confidence"]), "-M", str(o["min_leaf"])], ""
    if recipe == "adaboost":
        base = (["-W", "weka.classifiers.trees.DecisionStump"] if o["base"] == "stump"
                else ["-W", "weka.classifiers.trees.J48", "--", "-C", "0.25", "-M", "2"])
        return "weka.classifiers.meta.AdaBoostM1", ["-P", str(o["weight_threshold"]), "-S", str(o["seed"]),
                                                     "-I", str(o["rounds"]), *base], ""
    if recipe == "svm":
        kernel = {"linear": f"{KERNEL}PolyKernel -C 250007 -E 1.0",
                  "poly": f"{KERNEL}PolyKernel -C 250007 -E {float(o['exponent'])}" + (" -L" if o["lower_order"] else ""),
                  "rbf": f"{KERNEL}RBFKernel -C 250007 -G {float(o['gamma'])}"}[o["kernel"]]
        return "weka.classifiers.functions.SMO", ["-C", str(float(o["complexity"])), "-L", "0.001", "-P", "1.0E-12",
                                                  "-N", "0", "-V", "-1", "-W", "1", "-K", kernel], ""
    if recipe == "linear":
        flags = ["-S", str(o["selection"])] + (["-C"] if o["keep_colinear"] else []) + ["-R", "1.0E-8"]
        note = f"on Wekinator's polynomial inputs (x..x^{o['exponent']})" if o["exponent"] != 1 else ""
        return "weka.classifiers.functions.LinearRegression", flags, note
    raise ValueError(f"no Weka class for the {recipe} recipe")


def named_options(recipe: str, options: dict[str, Any]) -> dict[str, Any]:
    """A recipe's options checked, defaults filled in, by their names (neighbours, not K)."""
    from oscnet.recipes import get

    chosen = get(recipe)
    checked = chosen.check_options(options)
    return {option.name: checked[option.fit_key] for option in chosen.options}


def quote_options(flags: list[str]) -> str:
    """Options as one command-line string Weka reads back (Utils.splitOptions)."""
    return " ".join(_quote(f) for f in flags)


def _quote(token: str) -> str:
    """One option as Weka's Utils.splitOptions reads it back."""
    if token and not any(c in token for c in ' "\\\t'):
        return token
    return '"' + token.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_job_arff(path: Path, job: TrainJob) -> Path:
    """One output's training set as ARFF: its inputs (Wekinator's polynomial ones for linear -E > 1)
    and its class, numeric or nominal with the output's labels."""
    import numpy as np

    from oscnet.project.arff import ArffData, Attribute, write_arff

    x, names = job.inputs, list(job.input_names)
    exponent = int(named_options(job.recipe, job.options)["exponent"]) if job.recipe == "linear" else 1
    if exponent > 1:
        x = np.column_stack([x[:, i] ** e for i in range(x.shape[1]) for e in range(1, exponent + 1)])
        names = [f"{n}^{e}" for n in names for e in range(1, exponent + 1)]
    attributes = [Attribute(n, "numeric") for n in names]
    attributes.append(Attribute(job.class_name, "nominal", list(job.class_labels)) if job.class_labels is not None
                      else Attribute(job.class_name, "numeric"))
    return write_arff(path, ArffData("oscnet-bench", attributes, np.column_stack([x, job.target])))


@dataclass
class WekaTimes:
    """Milliseconds per build: wall[pass][job], cpu[pass][job]."""

    wall: list[list[float]]
    cpu: list[list[float]]
    commands: list[str]  # each job as a Weka command line, for the reader to rerun


def time_weka(jobs: list[TrainJob], passes: int = 2) -> WekaTimes:
    """Build every job's model in one JVM, one after another, `passes` times."""
    with tempfile.TemporaryDirectory(prefix="oscnet-weka-") as tmp:
        folder = Path(tmp)
        (folder / "WekaTime.java").write_text(HARNESS)
        subprocess.run(["javac", "-nowarn", "-cp", str(WEKA_JAR), "-d", str(folder), str(folder / "WekaTime.java")],
                       check=True, capture_output=True)
        lines, commands = [], []
        for k, job in enumerate(jobs):
            arff = write_job_arff(folder / f"output{k + 1}.arff", job)
            cls, flags, _ = weka_classifier(job.recipe, job.options)
            options = quote_options(flags)
            lines.append(f"{cls}\t{arff}\t{options}")
            commands.append(f"java -cp {WEKA_JAR} {cls} -t {arff.name} {options} -no-cv")
        (folder / "jobs.txt").write_text("\n".join(lines) + "\n")
        done = subprocess.run(["java", "-cp", f"{WEKA_JAR}:{folder}", "WekaTime", str(folder / "jobs.txt"), str(passes)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"Weka failed: {done.stderr.strip()[-800:]}")
    wall = [[0.0] * len(jobs) for _ in range(passes)]
    cpu = [[0.0] * len(jobs) for _ in range(passes)]
    for line in done.stdout.split("\n"):
        parts = line.split()
        if len(parts) == 4:
            p, j = int(parts[0]), int(parts[1])
            wall[p][j], cpu[p][j] = float(parts[2]), float(parts[3])
    return WekaTimes(wall, cpu, commands)
