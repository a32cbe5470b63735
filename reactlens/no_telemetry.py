"""reactlens reports nothing about its users, and neither do the libraries it loads.

Left to themselves they would: ONNX Runtime writes a device id under ``~/.cache/Microsoft`` when imported and sends
usage events; ``import openvino`` counts each use under ``~/intel`` and posts it to Google Analytics from a process it
forks off a worker thread (a fork of a busy, threaded process can deadlock, and the stuck child holds the run's stdout
and stderr open: the likely cause of a failed run that printed its error and never exited in a busy test run); a Ray
cluster that ``reactlens batch`` starts would report its usage to Anyscale. Importing ``reactlens`` turns all three
off before any is imported, unless the user set ``ORT_DISABLE_TELEMETRY`` or ``RAY_USAGE_STATS_ENABLED`` or imported
``openvino_telemetry`` themselves. OpenVINO's converter falls back to a no-op stand-in when ``openvino_telemetry``
cannot be imported, which a ``None`` in ``sys.modules`` ensures.
"""

import os
import sys

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
sys.modules.setdefault("openvino_telemetry", None)  # type: ignore[arg-type]
