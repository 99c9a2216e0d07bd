"""MNIST handwritten digits: loading (IDX and CSV), training and testing, pictures, download.

Library code, usable without the CLI:

    from oscnet import mnist
    train, test = mnist.load_mnist("data/mnist")
    model = mnist.train_model(train, mnist.Recipe("batch"))
    result = mnist.evaluate(model, test)
    print(result.accuracy, mnist.confusion_table(result.confusion))
"""

from oscnet.mnist.data import (
                               DEFAULT_MIRROR,
                               FILES,
                               N_CLASSES,
                               N_PIXELS,
                               SIDE,
                               Digits,
                               download,
                               find_files,
                               load_mnist,
                               read_csv,
                               read_digits,
                               read_idx,
                               read_idx_pair,
                               sha256_of,
)
from oscnet.mnist.runs import (
                               HIGH,
                               LOW,
                               NETWORK_RECIPES,
                               Recipe,
                               Result,
                               backquery_digits,
                               confusion_table,
                               evaluate,
                               input_scaling,
                               misclassified,
                               one_hot,
                               recipe_from,
                               rotated,
                               scale_inputs,
                               train_model,
)

__all__ = ["DEFAULT_MIRROR", "FILES", "HIGH", "LOW", "NETWORK_RECIPES", "N_CLASSES", "N_PIXELS", "SIDE", "Digits",
           "Recipe", "Result", "backquery_digits", "confusion_table", "download", "evaluate", "find_files",
           "input_scaling", "load_mnist", "misclassified", "one_hot", "read_csv", "read_digits", "read_idx",
           "read_idx_pair", "recipe_from", "rotated", "scale_inputs", "sha256_of", "train_model"]
