"""reactlens on an AWS DeepLens: the long-lived ("pinned") Greengrass inference Lambda.

Built into the deployment package by ``reactlens deeplens package``. The screening loop runs at module
level, as DeepLens inference Lambdas do; ``lambda_handler`` is never used. Settings (the profile and its
options) are in ``reactlens_deeplens.json`` beside this file. Runs on the device's Python 3.7.
"""

import json
import logging
import os
import sys
import time

import awscam  # noqa: F401  (on the device, awscam must be imported before cv2)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "vendor"))

logging.basicConfig(level=logging.INFO, format="reactlens: %(levelname)s: %(message)s")
log = logging.getLogger("reactlens")


def screen_once(settings):
    """One screening with the packaged profile; returns when the source stops."""
    import reactlens_opencv
    import reactlens_track

    import reactlens_deeplens
    from reactlens.plugins import PluginHost
    from reactlens.profiles import ProfileBook
    from reactlens.screening import Screening

    host = PluginHost()
    for name, module in (("opencv", reactlens_opencv), ("track", reactlens_track), ("deeplens", reactlens_deeplens)):
        host.add(module, name)
    profile = ProfileBook(settings.get("profiles", {}), origin="reactlens_deeplens.json").resolve(
        settings.get("profile", "deeplens"), settings.get("overrides", {})
    )
    summary = Screening(profile, host).run()
    log.info("screening ended: %s frames, %s face-frames", summary.stats.frames, summary.stats.face_frames)


def main():
    """Screen forever: after a stop (camera gone, an error), wait and start again."""
    with open(os.path.join(HERE, "reactlens_deeplens.json")) as handle:
        settings = json.load(handle)
    once = os.environ.get("REACTLENS_LAMBDA_ONCE") == "1"  # try the package off the device
    while True:
        try:
            screen_once(settings)
        except Exception as exc:  # keep the device screening; the error is in the Greengrass log
            log.error("%s", exc)
            if once:
                raise
        if once:
            return
        time.sleep(float(settings.get("restart_s", 10)))


def lambda_handler(event, context):
    """Unused: a pinned DeepLens Lambda does its work at module level."""
    return


main()
