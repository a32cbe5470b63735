"""Built-in ONNX Runtime expression classifier (smile-net by default)."""

from reactlens.hookspecs import hookimpl

from .classifier import OnnxClassifier


@hookimpl
def register_classifiers(register):
    register("onnx", OnnxClassifier, "Any ONNX model carrying reactlens metadata; the shipped smile-net by default")
