"""reactlens-emotions: an expression classifier with seven labels, as a third-party reactlens plugin."""

from reactlens.hookspecs import hookimpl

from .classifier import EmotionClassifier

__version__ = "0.1.0"


@hookimpl
def register_classifiers(register):
    register("emotions", EmotionClassifier, "Seven expressions (FER-2013 classes); 'happy' counts as a smile")
