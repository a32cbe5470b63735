"""Built-in OpenCV components: the frame source, the Haar face detector and the annotated output."""

from reactlens.hookspecs import hookimpl

from .annotate import AnnotateSink
from .haar import HaarDetector
from .source import OpenCVSource
from .stills import StillsSource


@hookimpl
def register_sources(register):
    register("opencv", OpenCVSource, "Camera index, video file or stream URL, decoded by OpenCV (FFmpeg)")
    register("stills", StillsSource, "Still images: a photo, a folder of photos or a glob, one frame each")


@hookimpl
def register_detectors(register):
    register("haar", HaarDetector, "OpenCV Haar cascade (haarcascade_frontalface_alt by default)")


@hookimpl
def register_sinks(register):
    register("annotate", AnnotateSink, "Boxes and scores drawn on the frames: a preview window and/or a video file")
