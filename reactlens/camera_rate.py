"""Any face detector at camera rate: full scans of some frames, cheap re-detection of known faces between.

A full scan of a whole 1080p frame is expensive for every detector (a Haar cascade ~0.75 s, a CNN
30–100 ms on two cores). So the detector scans the whole frame only every ``every`` frames (shrunk to
``detect_width`` pixels wide) and, in the frames between, looks again only around the faces it already
knows: each region is shrunk so the face is ~``track_face_px`` pixels, and every ``redetect`` frames the
regions go to the detector together, as one small frame, a mosaic of them (or each to its ``detect_near``
method, if it has one); in the frames between, template matching follows each face (its last appearance,
searched for nearby). When
the detector misses it (a turn, a hand, motion blur), template matching carries the face through up to
``coast`` failed re-detections before it is dropped. A scene cut or a lost face brings the next full
scan forward. ``detect`` returns ``Detection``s with integer boxes, whatever the wrapped detector gives.

A seated audience barely moves, and following hundreds of faces one by one costs more than a full scan. With
``hold``, a face a full scan finds is held where it is until the next full scan, at no cost, and that scan checks it:
found at the same place (within a tenth of its width, or two pixels), held again; moved, followed as above until found
twice at the same place; not found, dropped. A box that overlaps a held face only a little, and a neighbour's box too,
moves it only when the next scan finds it there again (``_unsure_moves``).
With ``confirm``, a face that appears after a scene's first scan (a hand raised, a program held up, a face on the
screen's reflection) is taken only when the next full scan finds it at the same place too.
With ``hold`` and ``full_scan_every`` N > 1, only every Nth scan of a scene is of the whole frame: the scans between
look only at the parts of the frame whose picture changed since they were last scanned (``changed_parts``; a
change is over ``change_threshold`` grey levels), each part alone, and at the faces not yet settled (newcomers to
confirm, held faces the last scan missed, faces found with a score less than ``UNSURE`` above the detector's
threshold); not where a face is followed since it moved (its own re-detection looks there); the faces held elsewhere
stay as they are.

Live, ``background_scan`` runs full scans on a second thread with a second detector instance and adds
their faces when done, so no frame waits for one; ``every`` then paces the scans (1 = back to back). A screening of
a live source (a camera) scans in the background unless its profile says otherwise. ``scan_threads`` gives the
background scanner its own number of threads (0: the detector's): one leaves the other core to the frames. From a
file, ``scan_lag`` N takes a background scan's faces on the Nth frame after the one scanned, waiting for the scan then
if need be, so a file gives the same faces every run however busy the machine; a scene's first scan is waited for.
A live source's are taken once done (the screening sets ``scan_lag`` 0).

``scan_strips`` N looks at a whole frame in N strips, one above the other, one detector run each: the same faces for
a fraction of the memory a network's run at full resolution holds (YuNet-n at 1080p: ~90 MB; in two strips ~60).
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple

import cv2
import numpy as np

from .changed_parts import ChangedParts, Part, Rect, holds
from .components import Box, Detection, FaceDetector, Frame
from .errors import ReactlensError
from .faces import as_detection, iou, iou_matrix
from .geometry import Point
from .mosaic import Mosaic, pack
from .shrink import shrunk

#: The options every detector takes, with their defaults: a plain scan of every full-resolution frame.
CAMERA_RATE_OPTIONS: Dict[str, Any] = {
    "every": 1,
    "track": False,
    "detect_width": 0,
    "track_margin": 0.5,
    "track_face_px": 48,
    "coast": 8,
    "redetect": 1,
    "cut_threshold": 20.0,
    "background_scan": False,
    "scan_threads": 0,
    "hold": False,
    "confirm": False,
    "full_scan_every": 1,
    "change_threshold": 4.0,
    "scan_lag": 0,
    "scan_strips": 1,
}
#: A face found again within this share of its width of where it was, or within ``HOLD_PX`` pixels (a detector's jitter
#: on a 15-pixel face is 2 pixels), is still (``hold``).
HOLD_SHIFT = 0.1
HOLD_PX = 2
#: Frames a source may skip (a live camera dropping frames) and still continue the same scene.
MAX_GAP = 30
#: A scan's face overlapping a known face (or another face of the same scan) this much (IoU) is that face.
SAME_FACE_IOU = 0.2
#: A held face is moved by a scan's box that overlaps it less than this (IoU), and another box of the scan too, only if
#: the next scan finds it there again: a box between two neighbours' faces (IoU 0.22 with each, seen in a seated
#: audience) had moved one onto the other's seat.
HELD_IOU = 0.3
#: A face found with a score less than this above the detector's ``threshold`` is one it was unsure of.
UNSURE = 0.1
#: A part of the frame scanned for its changes reaches this far around them (pixels, at least; or three quarters of the
#: widest face known), so a face on its edge is seen whole, in some of its surroundings (with 32, 1-2 faces in a
#: thousand fewer were found at a fifth of the light).
PART_MARGIN = 48

#: A scan's strips are cut, and reach into their neighbours, at multiples of this many pixels: the CNN detectors' inputs
#: are multiples of 32 each way, so no strip but the last (padded, as a whole frame is) is resized to fit.
STRIP_ALIGN = 32


def _moved(detection: Detection, fx: float, fy: float, dx: float, dy: float) -> Detection:
    """``detection`` mapped from a resized, offset region back to frame pixels (x' = x / f + d)."""
    x, y, w, h = detection.box
    box = (int(round(x / fx + dx)), int(round(y / fy + dy)), int(round(w / fx)), int(round(h / fy)))
    landmarks = None
    if detection.landmarks is not None:
        landmarks = tuple((px / fx + dx, py / fy + dy) for px, py in detection.landmarks)
    return Detection(box, detection.score, landmarks)


def _placed(found: Sequence[Any], mosaic: Mosaic) -> List[Tuple[Detection, int]]:
    """The faces a detector ``found`` in ``mosaic``, each in the pixels of the image holding its centre, with that
    image's index; those in the blank between images are left out."""
    placed = []
    for face in map(as_detection, found):
        n = mosaic.which(*_centre(face))
        if n is not None:
            left, top = mosaic.corners[n]
            placed.append((_moved(face, 1.0, 1.0, -left, -top), n))
    return placed


class _PartsScan(NamedTuple):
    """What a scan of the changed parts looks at: the rectangles it looks at whatever changed (``look``), and those
    whose changes it leaves to the faces followed there (``followed``)."""

    look: List[Rect]
    followed: List[Rect]


@dataclass
class _Known:
    """A face followed between full scans."""

    found: Detection
    misses: int = 0
    template: Optional[np.ndarray] = None
    #: The detector found it twice in a row at the same place (a seated viewer): held between full scans.
    still: bool = False

    def seen_again(self, detection: Detection) -> None:
        """The detector found this face again: take its box, and note whether it stayed put."""
        x, y, w, _ = self.found.box
        nx, ny, _, _ = detection.box
        self.still = max(abs(nx - x), abs(ny - y)) <= max(HOLD_SHIFT * w, HOLD_PX)
        self.found, self.misses = detection, 0

    @property
    def box(self) -> Box:
        return self.found.box


def _centre(face: Detection) -> Point:
    """The centre of ``face``'s box."""
    x, y, w, h = face.box
    return x + w / 2, y + h / 2


def _rect(box: Box, around: float = 0.0) -> Rect:
    """``box`` (x, y, w, h), with ``around`` times its size more on each side, as x0, y0, x1, y1."""
    x, y, w, h = box
    dx, dy = int(w * around), int(h * around)
    return x - dx, y - dy, x + w + dx, y + h + dy


def _within(face: Detection, judged: Optional[List[Rect]]) -> bool:
    """Whether a scan that judged the faces within ``judged`` (None: the whole frame) judged ``face``."""
    return judged is None or holds(judged, *_centre(face))


def _distinct(faces: List[_Known], held: Sequence[bool], most: float = 0.3) -> List[_Known]:
    """``faces`` without those overlapping an earlier one by ``most`` IoU or more (two followed faces that drifted
    onto one), in order. A ``held`` face has not moved, so it is kept, and only the others are checked: against every
    held face and the earlier ones kept (a full house of held faces costs nothing here)."""
    moving = [i for i, h in enumerate(held) if not h]
    if len(faces) < 2 or not moving:
        return faces
    overlaps = iou_matrix([faces[i].box for i in moving], [f.box for f in faces])
    kept = [i for i, h in enumerate(held) if h]
    for row, i in enumerate(moving):
        if not kept or overlaps[row, kept].max() < most:
            kept.append(i)
    return [faces[i] for i in sorted(kept)]


class CameraRate(FaceDetector):
    """Wraps a detector so it keeps up with a camera; see the module docstring and ``CAMERA_RATE_OPTIONS``.

    ``scan_factory`` builds a second instance of the detector for background scans (a detector object
    need not be safe to share between threads), given ``scan_threads``.
    """

    def __init__(
        self,
        detector: Any,
        every: int = 1,
        track: bool = False,
        detect_width: int = 0,
        track_margin: float = 0.5,
        track_face_px: int = 48,
        coast: int = 8,
        redetect: int = 1,
        cut_threshold: float = 20.0,
        background_scan: bool = False,
        scan_threads: int = 0,
        hold: bool = False,
        confirm: bool = False,
        full_scan_every: int = 1,
        change_threshold: float = 4.0,
        scan_lag: int = 0,
        scan_strips: int = 1,
        scan_factory: Optional[Callable[[int], Any]] = None,
    ) -> None:
        if int(every) < 1 or int(redetect) < 1:
            raise ReactlensError(f"every={every} and redetect={redetect} must be at least 1", "use 1 for every frame")
        if int(scan_lag) < 0:
            raise ReactlensError(f"scan_lag={scan_lag} must be 0 or more", "use 0 to take a scan's faces once done")
        if int(scan_strips) < 1:
            raise ReactlensError(f"scan_strips={scan_strips} must be at least 1", "use 1 to scan the frame whole")
        if int(scan_threads) < 0:
            raise ReactlensError(f"scan_threads={scan_threads} must be 0 or more", "use 0 for the detector's own")
        if int(detect_width) < 0 or int(track_face_px) < 8:
            raise ReactlensError("detect_width must be ≥ 0 and track_face_px ≥ 8", "use the defaults")
        if int(full_scan_every) < 1:
            raise ReactlensError(f"full_scan_every={full_scan_every} must be at least 1", "use 1 for every scan whole")
        if int(full_scan_every) > 1 and not (hold and track):
            raise ReactlensError(
                f"full_scan_every={full_scan_every} scans only the changed parts of a held audience, and this detector "
                "holds no faces",
                "set detector.hold=true (and track=true), or full_scan_every=1",
            )
        self.detector = detector
        self.every = int(every)
        self.track = bool(track)
        self.detect_width = int(detect_width)
        self.track_margin = float(track_margin)
        self.track_face_px = int(track_face_px)
        self.coast = int(coast)
        self.hold = bool(hold)
        self.confirm = bool(confirm)
        #: Faces the last full scan found that no earlier scan of the scene had, and the held faces it missed
        #: (``confirm``): the next scan takes them if it finds them too, and looks at them whatever changed (a scan of
        #: parts would otherwise look there again only once the picture changes); None before the scene's first scan.
        self._unconfirmed: Optional[List[Detection]] = None
        #: Boxes the last scan found overlapping a held face only a little (``_unsure_moves``).
        self._moves: List[Detection] = []
        self.redetect = int(redetect)
        self._frames_seen = 0
        self.cut_threshold = float(cut_threshold)
        self._near = getattr(detector, "detect_near", None)
        self._thumb: Optional[np.ndarray] = None
        self._known: List[_Known] = []
        self._last_index: Optional[int] = None
        self._since_scan = 0
        self._pool: Optional[ThreadPoolExecutor] = None
        self._scanner = detector
        if background_scan and track:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="reactlens-scan")
            self._scanner = scan_factory(int(scan_threads)) if scan_factory is not None else detector
        self._pending: Optional[Future] = None
        self.scan_lag = int(scan_lag)
        self.scan_strips = int(scan_strips)
        self.full_scan_every = int(full_scan_every)
        #: A face found with a score below this is looked at again by every scan of parts (the detector was unsure).
        self._unsure = float(getattr(detector, "threshold", 0.0)) + UNSURE
        self._changes = ChangedParts(change_threshold) if self.full_scan_every > 1 else None
        self._scans = 0  # scans started in this scene
        #: The width and height of the video's frames (``warm_up``), whose scans go to ``detect_same_size``.
        self._video_size: Optional[Tuple[int, int]] = None

    def warm_up(self, width: int, height: int) -> None:
        """Readies the detector for a video of ``width``×``height`` frames, before the first: their scans go to its
        ``detect_same_size``, if it has one; if that compiles a network for their size (``compiles_for_size``), a black
        frame is scanned so that it does so now, as models load, not in the first frames. Without it (photos: each of
        its own size) every scan goes to ``detect``."""
        self._video_size = (int(width), int(height))
        if self.track and getattr(self._scanner, "compiles_for_size", False):
            self.scan(Frame(np.zeros((height, width, 3), np.uint8), 0, 0.0, 0.0), self._scanner, same_size=True)

    # -- full scans --------------------------------------------------------------------------------

    def _scale(self, frame: Frame) -> float:
        """How much a scan shrinks ``frame`` (to ``detect_width`` wide, if set)."""
        width = frame.image.shape[1]
        return self.detect_width / width if self.detect_width and width > self.detect_width else 1.0

    def scan(
        self, frame: Frame, detector: Any = None, margin: int = PART_MARGIN, same_size: bool = False
    ) -> List[Detection]:
        """Every face in ``frame`` (shrunk to ``detect_width`` wide, if set), in frame pixels; looked at in
        ``scan_strips`` strips, one above the other, each reaching ``margin`` frame pixels into its neighbours, a face
        taken from the strip holding its centre (a detector that brightens a dim picture brightens each strip by its
        own light). ``same_size``: the frame is one of a video's (``warm_up``), and goes to the detector's
        ``detect_same_size`` if it has one."""
        image, scale = frame.image, self._scale(frame)
        if scale < 1.0:
            image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        height, margin = image.shape[0], -(-int(margin * scale) // STRIP_ALIGN) * STRIP_ALIGN
        strips, detector = self.scan_strips, detector or self.detector
        detect = getattr(detector, "detect_same_size", detector.detect) if same_size else detector.detect
        cuts = [round(height * k / strips / STRIP_ALIGN) * STRIP_ALIGN for k in range(strips)] + [height]
        found: List[Detection] = []
        for k in range(strips):
            top, bottom = cuts[k], cuts[k + 1]
            y0, y1 = max(0, top - margin), min(height, bottom + margin)
            strip = replace(frame, image=image[y0:y1], scale=frame.scale * scale)
            # the first strip takes a face whose centre is above the frame, the last one below it (strip pixels)
            low, high = (top - y0 if k else -np.inf), (bottom - y0 if k < strips - 1 else np.inf)
            faces = map(as_detection, detect(strip))
            found += [_moved(f, scale, scale, 0, y0 / scale) for f in faces if low <= _centre(f)[1] < high]
        return found

    def _scan_parts(self, frame: Frame, detector: Any, parts: Sequence[Part]) -> List[Detection]:
        """Every face in the ``parts`` of ``frame`` (shrunk as a scan shrinks it), in frame pixels; a face belongs to
        the part whose core holds its centre. Each part is looked at alone, with black after it to whole
        ``STRIP_ALIGN`` steps, as a mosaic held it (so the network sees it unresized): a third less time than one
        mosaic of them, whose blanks between large windows were as many pixels again as the windows (and a network's
        cost a pixel grows with its input: YuNet-n ~30 ns at 256 × 256, ~48 at 1024 × 1024)."""
        scale = self._scale(frame)
        found: List[Detection] = []
        for part in parts:
            x0, y0, x1, y1 = part.window
            window = frame.image[y0:y1, x0:x1]
            if scale < 1.0:
                window = cv2.resize(window, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
            height, width = window.shape[:2]
            window = cv2.copyMakeBorder(window, 0, -height % STRIP_ALIGN, 0, -width % STRIP_ALIGN, cv2.BORDER_CONSTANT)
            for face in map(as_detection, detector.detect(replace(frame, image=window, scale=frame.scale * scale))):
                face = _moved(face, scale, scale, x0, y0)
                if holds([part.core], *_centre(face)):
                    found.append(face)
        return found

    def _what_to_look_at(self) -> _PartsScan:
        """What a scan of parts is to look at (see ``_PartsScan``): the faces to confirm (newcomers, and held faces the
        last scan missed) and the held faces the detector was unsure of, whatever changed; not the faces followed since
        they moved, which their re-detection looks at (found still there, they are held again)."""
        unsure = [k.found for k in self._known if k.still and self._unsure_of(k.found)]
        followed = [_rect(k.box, self.track_margin) for k in self._known if not k.still]
        return _PartsScan([_rect(d.box) for d in (self._unconfirmed or []) + unsure], followed)

    def _margin(self) -> int:
        """How far a part or a strip of the frame reaches around what it judges (``PART_MARGIN``), in frame pixels."""
        return max([PART_MARGIN] + [int(0.75 * k.box[2]) for k in self._known])

    def _unsure_of(self, face: Detection) -> bool:
        return face.score is not None and face.score < self._unsure

    def _look(
        self, frame: Frame, detector: Any, margin: int, parts_of: Optional[_PartsScan] = None, same_size: bool = False
    ) -> Tuple[List[Detection], Optional[List[Rect]]]:
        """A scan of the whole frame, or (``parts_of``) of the parts that changed and those holding the faces to look
        at, reaching ``margin`` pixels around them: the faces found, and the parts, where the scan judged the known
        faces (None: everywhere). ``same_size``: as ``scan``'s."""
        parts = None
        if parts_of is not None and self._changes is not None:  # None: noted as scanned whole
            parts = self._changes.parts(frame.image, margin, parts_of.look, parts_of.followed)
        elif self._changes is not None:
            self._changes.scanned_whole(frame.image)
        if parts is None:
            return self.scan(frame, detector, margin, same_size), None
        return (self._scan_parts(frame, detector, parts) if parts else []), [part.core for part in parts]

    # -- following known faces ----------------------------------------------------------------------

    def _region(self, image: np.ndarray, box: Box, gray: bool = False) -> Tuple[np.ndarray, int, int, float]:
        """The area around ``box``, shrunk so the face is ~track_face_px wide; with its origin and scale. ``gray``:
        greyed before it is shrunk (a third of the channels to average: half the time a region)."""
        x, y, w, h = box
        mx, my = int(w * self.track_margin), int(h * self.track_margin)
        x0, y0 = max(0, x - mx), max(0, y - my)
        x1, y1 = min(image.shape[1], x + w + mx), min(image.shape[0], y + h + my)
        region = image[y0:y1, x0:x1]
        if gray and region.ndim == 3 and region.size:
            region = cv2.cvtColor(region, cv2.COLOR_BGR2GRAY)
        factor = min(1.0, self.track_face_px / float(max(w, 1)))
        if factor < 1.0 and region.size:
            region = shrunk(region, factor)
        return region, x0, y0, factor

    def _template(self, image: np.ndarray, box: Box) -> np.ndarray:
        region, x0, y0, factor = self._region(image, box, gray=True)
        x, y, w, h = (int(round(v * factor)) for v in (box[0] - x0, box[1] - y0, box[2], box[3]))
        return region[y : y + h, x : x + w].copy()

    def _redetect(self, frame: Frame, followed: Sequence[_Known]) -> List[Optional[Detection]]:
        """Each followed face found again by the detector in a small region around it (None: not found there).

        The regions go to the detector together, as one mosaic (``reactlens.mosaic``): one run for all the faces
        followed, not one each, whose fixed costs (the run, its outputs read) were most of a small region's. A detector
        with ``detect_near`` (a Haar cascade, told each face's size) gets each region alone.
        """
        regions = [self._region(frame.image, known.box) for known in followed]
        usable = [i for i, (region, *_) in enumerate(regions) if region.size and min(region.shape[:2]) >= 8]
        candidates: List[List[Detection]] = [[] for _ in followed]
        if self._near is not None:
            for i in usable:
                region, x0, y0, factor = regions[i]
                small = replace(frame, image=region, scale=frame.scale * factor)
                found = self._near(small, followed[i].box[2] * factor)
                candidates[i] = [_moved(as_detection(f), factor, factor, x0, y0) for f in found]
        elif usable:
            mosaic = pack([regions[i][0] for i in usable])
            # the smallest region's scale: the detector's size limit at its most lenient (each face's size is checked
            # against the face it follows, below)
            scale = frame.scale * min(regions[i][3] for i in usable)
            for face, n in _placed(self.detector.detect(replace(frame, image=mosaic.image, scale=scale)), mosaic):
                _, x0, y0, factor = regions[usable[n]]
                candidates[usable[n]].append(_moved(face, factor, factor, x0, y0))
        # a neighbour's face may reach into a region: keep the one that overlaps the known face most
        again: List[Optional[Detection]] = []
        for known, found in zip(followed, candidates):
            best = max(found, key=lambda d: iou(d.box, known.box), default=None)
            if best is None or iou(best.box, known.box) < 0.1 or not 0.5 < best.box[2] / known.box[2] < 2.0:
                best = None
            again.append(best)
        return again

    def _follow(self, frame: Frame, known: _Known, again: Optional[Detection], redetected: bool) -> Optional[Box]:
        """The known face's box in this frame, or None if it is gone.

        ``redetected``: the detector looked for it (``again``: what it found, None: nothing); else only template
        matching follows it, which cannot lose a face's count of frames since the detector last saw it.
        """
        if redetected:
            if again is not None:
                known.seen_again(again)
                known.template = self._template(frame.image, again.box)
                return again.box
            known.misses += 1
        template = known.template
        if known.misses > self.coast or template is None or template.size == 0:
            return None
        region, x0, y0, factor = self._region(frame.image, known.box, gray=True)
        if region.shape[0] < template.shape[0] or region.shape[1] < template.shape[1]:
            return None
        scores = cv2.matchTemplate(region, template, cv2.TM_CCOEFF_NORMED)
        _, best, _, (tx, ty) = cv2.minMaxLoc(scores)
        if best < 0.6:
            return None
        nx, ny = int(x0 + tx / factor), int(y0 + ty / factor)
        dx, dy = nx - known.box[0], ny - known.box[1]
        known.found = _moved(known.found, 1.0, 1.0, dx, dy)
        return known.box

    def _follow_all(self, frame: Frame, faces: Sequence[_Known], redetect: bool) -> List[_Known]:
        """The faces still there in this frame: held ones as they are, the others followed (``_follow``); the
        detector looks for those every ``redetect`` frames, and for any without a template yet."""
        followed = {id(k) for k in faces if not (self.hold and k.still)}
        asked = [k for k in faces if id(k) in followed and (redetect or k.template is None)]
        found = dict(zip(map(id, asked), self._redetect(frame, asked)))
        return [
            k
            for k in faces
            if id(k) not in followed or self._follow(frame, k, found.get(id(k)), id(k) in found) is not None
        ]

    # -- the component ------------------------------------------------------------------------------

    def _merge(self, frame: Frame, found: List[Detection], judged: Optional[List[Rect]], scanned: Frame) -> None:
        """Add the faces a full scan of ``scanned`` found (this very frame, or one a few frames ago); it judged the
        known faces within ``judged`` (None: the whole frame), and those elsewhere stay as they are."""
        fresh = scanned is frame
        unconfirmed: List[Detection] = []
        # each face found is matched to the faces known before the scan, and to those the scan adds: two array
        # operations for a full house whose every face is known
        found_boxes = np.asarray([d.box for d in found], dtype=np.float64).reshape(-1, 4)
        before = iou_matrix(found_boxes, [k.box for k in self._known]).reshape(len(found), len(self._known))
        unsure = self._unsure_moves(before, found_boxes)
        self._moves = [found[row] for row in unsure]
        unknown = before.max(axis=1, initial=0.0) < SAME_FACE_IOU  # faces no known face accounts for
        # a scan's new faces are checked against each other too (the array only when it has any: 7 ms for a house)
        among = iou_matrix(found_boxes, found_boxes) if unknown.any() else np.zeros((len(found), len(found)))
        matched = [False] * len(self._known)
        for face in unsure.values():
            matched[face] = True  # held where it is
        added: List[int] = []  # rows of ``found`` the scan added, in order
        late: List[_Known] = []  # faces new to a scan of a frame a few frames ago
        for row, detection in enumerate(found):
            if row in unsure:
                continue
            if not unknown[row]:
                best = int(np.argmax(before[row]))
                matched[best] = True
                same = self._known[best]
                # the scan's box is newer than a held face's (as old as the scan before), and than a followed face's
                # if the scan is of this very frame
                if fresh or (self.hold and same.still):
                    same.seen_again(detection)
                    # a held face is never looked for between scans: no template until it moves
                    same.template = None if self.hold and same.still else self._template(scanned.image, detection.box)
                continue
            if added and among[row, added].max() >= SAME_FACE_IOU:
                continue  # one face, found twice
            if not self._confirmed(detection, unconfirmed):
                continue
            if self.hold:  # held from the scan that finds it; the next scan checks it
                known = _Known(detection, still=True)
            else:
                known = _Known(detection, template=self._template(scanned.image, detection.box))
            added.append(row)
            if fresh or self.hold:
                self._known.append(known)
                matched.append(True)
            else:
                late.append(known)
        # a held face is only ever checked by full scans: one the scan did not find has gone (or looks away)
        kept: List[_Known] = []
        dropped: List[_Known] = []
        for known, seen in zip(self._known, matched):
            gone = not seen and self.hold and known.still and _within(known.found, judged)
            (dropped if gone else kept).append(known)
        # seen a few frames ago: kept if the detector (all in one run), or their look then, finds them here now
        self._known = kept + (self._follow_all(frame, late, True) if late else [])
        if self.confirm:  # a dropped face found by the next scan is no newcomer: the next scan confirms it
            self._unconfirmed = unconfirmed + [k.found for k in dropped]

    def _unsure_moves(self, before: np.ndarray, found_boxes: np.ndarray) -> Dict[int, int]:
        """The scan's boxes (rows of ``before``, their IoU with the known faces) that overlap a held face only a little
        (``SAME_FACE_IOU`` to ``HELD_IOU``) and another box of the scan too, unless the last scan noted one there: each
        with that face's index. Such a box may be a viewer who shifted beside a neighbour, or a box between two
        neighbours' faces, which moved one onto the other's seat; so the face stays held where it is, the box is
        noted, and the next scan's box there moves it."""
        if not (self.hold and self._known and len(found_boxes)):
            return {}
        held = np.fromiter((k.still for k in self._known), bool, len(self._known))
        best, top = before.argmax(axis=1), before.max(axis=1)
        rows = np.nonzero(held[best] & (top >= SAME_FACE_IOU) & (top < HELD_IOU))[0]
        if rows.size:
            among = iou_matrix(found_boxes[rows], found_boxes)
            among[np.arange(rows.size), rows] = 0.0
            rows = rows[among.max(axis=1) >= SAME_FACE_IOU]
        if rows.size and self._moves:
            rows = rows[iou_matrix(found_boxes[rows], [d.box for d in self._moves]).max(axis=1) < HELD_IOU]
        return {int(row): int(best[row]) for row in rows}

    def _confirmed(self, detection: Detection, unconfirmed: List[Detection]) -> bool:
        """Whether a face no one follows is taken now: always, unless ``confirm`` asks a second scan to find a face
        that appears after the scene's first scan (it is noted in ``unconfirmed`` for the next scan)."""
        if not self.confirm or self._unconfirmed is None:
            return True
        if self._unconfirmed and iou_matrix([detection.box], [d.box for d in self._unconfirmed]).max() >= 0.3:
            return True
        unconfirmed.append(detection)
        return False

    def _new_scene(self) -> None:
        """A new video, a seek or a cut: the next scan is the scene's first (whole, and taking every face it finds)."""
        self._unconfirmed, self._scans, self._moves = None, 0, []
        if self._changes is not None:
            self._changes.forget()

    def _background_scan(
        self, frame: Frame, margin: int, parts_of: Optional[_PartsScan], same_size: bool
    ) -> Tuple[List[Detection], Optional[List[Rect]], Frame]:
        """``_look`` by the background scanner, on its thread: what it found and judged, and the frame it scanned."""
        return (*self._look(frame, self._scanner, margin, parts_of, same_size), frame)

    def _take(self, frame: Frame) -> None:
        """The background scan's faces added (waiting for it if need be)."""
        assert self._pending is not None
        (found, judged, scanned), self._pending = self._pending.result(), None
        self._merge(frame, found, judged, scanned)

    def _scan_over(self) -> bool:
        """Whether the background scan's faces are taken now: when it is done, or (``scan_lag``) on the ``scan_lag``th
        frame after the one it scans, waiting for it then (the same faces, frame for frame, however fast the
        machine)."""
        assert self._pending is not None
        return self._since_scan >= self.scan_lag if self.scan_lag else self._pending.done()

    def detect(self, frame: Frame) -> List[Detection]:
        if not self.track:
            return self.scan(frame)
        # live sources drop frames, so a short step forward still continues the same scene
        gap = frame.index - self._last_index if self._last_index is not None else 0
        self._last_index = frame.index
        if not 0 < gap <= max(self.every, MAX_GAP):  # a new video, a seek, or single photos: start afresh
            self._known, self._since_scan, self._thumb, self._pending = [], 0, None, None
            self._new_scene()
        redetect = self._frames_seen % self.redetect == 0
        self._frames_seen += 1
        alive = self._follow_all(frame, self._known, redetect)
        lost = len(alive) < len(self._known)
        self._known = _distinct(alive, [self.hold and k.still for k in alive])
        step = max(1, frame.image.shape[1] // 128)  # a strided view first: area-averaging 1080p costs ms
        small = cv2.resize(frame.image[::step, ::step], (32, 18), interpolation=cv2.INTER_AREA)
        thumb = (cv2.cvtColor(small, cv2.COLOR_BGR2GRAY) if small.ndim == 3 else small).astype(np.int16)
        cut = (
            self.cut_threshold > 0
            and self._thumb is not None
            and float(np.abs(thumb - self._thumb).mean()) > self.cut_threshold
        )
        self._thumb = thumb
        if cut:
            self._known, self._since_scan, self._pending = [], 0, None
            self._new_scene()
        if self._pending is not None and self._scan_over():  # a background scan finished: take its faces
            self._take(frame)
        # a lost face may only be hidden from the local search: look over the whole frame again soon
        due = self._since_scan % self.every == 0 or (lost and self._since_scan >= 2)
        if due and (self._pool is None or self._pending is None):  # one background scan at a time
            parts = self._changes is not None and self._scans % self.full_scan_every != 0
            margin = self._margin()  # here, not on the scanner's thread: the faces known change meanwhile
            look = self._what_to_look_at() if parts else None
            same_size = (frame.image.shape[1], frame.image.shape[0]) == self._video_size
            self._since_scan, self._scans = 0, self._scans + 1
            if self._pool is None:
                self._merge(frame, *self._look(frame, self.detector, margin, look, same_size), frame)
            else:  # the next scan starts on this frame, with no frame lost in between
                self._pending = self._pool.submit(self._background_scan, frame, margin, look, same_size)
                if self.scan_lag and self._scans == 1:  # a scene's first scan is waited for
                    self._take(frame)
        self._since_scan += 1
        return [k.found for k in self._known]
