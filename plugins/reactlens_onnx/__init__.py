"""Built-in ONNX Runtime components: the expression classifier (smile-net by default) and the CenterFace and YuNet
detectors."""

from reactlens.hookspecs import hookimpl

from .centerface import CenterFaceDetector
from .classifier import OnnxClassifier
from .yunet import YuNetDetector


@hookimpl
def register_classifiers(register):
    register("onnx", OnnxClassifier, "Any ONNX model carrying reactlens metadata; the shipped smile-net by default")


@hookimpl
def register_detectors(register):
    register("centerface", CenterFaceDetector, "CenterFace CNN face detector with five landmarks (the shipped model)")
    register(
        "yunet", YuNetDetector, "YuNet-n CNN face detector for small faces, with five landmarks (the shipped model)"
    )
