"""AWS IoT Core's rules for topic names, checked before anything is published."""

from __future__ import annotations

from reactlens.errors import ReactlensError

MAX_SLASHES = 7
MAX_TOPIC_BYTES = 256


def check_topic(topic: str, reserved_ok: bool = False) -> str:
    """``topic`` if AWS IoT Core accepts it for publishing; otherwise a ReactlensError saying why."""
    fix = "use a topic such as reactlens/theatre-1/camera-2"
    if not topic or topic.startswith("/") or topic.endswith("/") or "//" in topic:
        raise ReactlensError(f"MQTT topic '{topic}' has an empty level", fix)
    if "+" in topic or "#" in topic:
        raise ReactlensError(f"MQTT topic '{topic}' contains a wildcard (+ or #)", fix)
    if topic.startswith("$") and not reserved_ok:
        raise ReactlensError(f"MQTT topic '{topic}' is under a reserved prefix ($aws/ and $ are AWS's)", fix)
    if topic.count("/") > MAX_SLASHES:
        raise ReactlensError(f"MQTT topic '{topic}' has more than {MAX_SLASHES} slashes (AWS IoT's limit)", fix)
    if len(topic.encode()) > MAX_TOPIC_BYTES:
        raise ReactlensError(f"MQTT topic is longer than {MAX_TOPIC_BYTES} bytes", fix)
    return topic
