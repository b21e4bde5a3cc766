"""A deterministic synthetic panoptic dataset in COCO panoptic format.

The built-in default dataset: no download, ~600 images of ~128 px made in a
few seconds on one core, and hard enough that the loss weighting matters.
A second dataset for transfer (Table 3), ``variant='glyphs'``: 6 other thing
and 4 other stuff classes (other ids), smaller images with more, relatively
larger things, other colours and textures, a wider brightness spread and
more noise, at difficulty 0.25 (``VARIANTS``). A testbed in the paper's
regime, ``variant='scenes'``: the tiny network learns its things and its
stuff both within 6 epochs (large things of a class colour, several per
image, often occluding; 8 thing and 5 stuff classes with other ids), with a
300-image test split in its configs.

What makes it hard (yet learnable):

- things (8 classes) are told apart by SHAPE plus a class-specific texture
  (stripes, checker, dots, rings, ... at a class-specific frequency) and a
  weak class-specific hue shift; their brightness is close to the local
  background (intensity delta 45-90 at the default ``difficulty=0.5``,
  20-60 at 1); sizes are log-uniform in [8, 48] px (many small);
  they overlap (drawn in order: a later instance occludes an earlier one, the
  segment is the visible part, an instance whose visible area would fall
  below ``min_visible_area`` is rejected) and are cut by the image border;
- stuff (5 classes) are 2-3 irregular bands (wavy, random-walk boundaries) or
  blobs per image, each class with its own texture statistics (gradient +
  clouds, vertical blades, ripples, bricks, speckle); their colours are
  jittered per image so that colour alone is ambiguous;
- the image gets a light gradient, a slight blur, Gaussian noise and JPEG.

Every pixel belongs to a stuff segment or to a thing (no void). Category ids
are NOT contiguous and the JSON lists things first, so the files also work
with plain mmdet. Segment ids encode ``R = instance number, G = category id``
(``id = R + 256 * G``).

Layout written under ``root``::

    train/000000000001.jpg ...            val/000001000001.jpg ...
    annotations/panoptic_train.json       annotations/panoptic_train/*.png
    annotations/panoptic_val.json         annotations/panoptic_val/*.png
    annotations/panoptic_proxy_train.json annotations/panoptic_proxy_val.json

The proxy files split the train images (same image and PNG folders). Every
JSON carries ``info.generator_args`` and ``info.version``.

Determinism: each image draws from its own ``numpy.random.default_rng``
seeded by ``(seed, split, index)``; same arguments give byte-identical JSON
and PNG files (JPEGs too, on the same machine and OpenCV build).
"""
import dataclasses
import json
import math
import os
import os.path as osp
import shutil
import uuid
from collections import Counter
from typing import List, Optional, Tuple

import cv2
import numpy as np

from .proxy_split import make_proxy_split

#: Bump when the generated data changes (``ensure_synthetic_panoptic``
#: refuses to reuse a dataset made by another version).
GENERATOR_VERSION = 2
#: Image ids of the val split start here, so changing ``num_train`` does not
#: rename the val images.
VAL_ID_OFFSET = 1_000_000

# (id, name, color); ids are deliberately not contiguous, things first.
THING_CATEGORIES = (
    (2, 'circle', (220, 20, 60)),
    (5, 'square', (0, 0, 230)),
    (11, 'triangle', (250, 170, 30)),
    (17, 'diamond', (0, 160, 90)),
    (23, 'cross', (160, 40, 200)),
    (31, 'ring', (0, 200, 220)),
    (38, 'star', (255, 100, 180)),
    (44, 'crescent', (120, 90, 20)),
)
STUFF_CATEGORIES = (
    (101, 'sky', (70, 130, 180)),
    (107, 'grass', (107, 142, 35)),
    (113, 'water', (0, 90, 140)),
    (127, 'wall', (150, 100, 90)),
    (139, 'sand', (210, 190, 140)),
)
#: The classes of the default variant ('shapes'); see
#: :func:`synthetic_classes` for any variant.
THING_CLASSES = tuple(name for _, name, _ in THING_CATEGORIES)
STUFF_CLASSES = tuple(name for _, name, _ in STUFF_CATEGORIES)
_SPLIT_CODES = {'train': 0, 'val': 1}


@dataclasses.dataclass(frozen=True)
class _Variant:
    """A class set and its image statistics (see ``VARIANTS``).

    ``things``/``stuff`` are ``(id, name, color)``; the name selects the
    shape and texture drawn. ``stuff_rgb[i]`` is the mean colour of stuff
    class i, jittered per image by ``N(0, colour_sd)`` per channel plus a
    shared ``N(0, brightness_sd)``. Pairs ``(easy, hard)`` are interpolated
    by ``difficulty``; ``option_defaults`` are the defaults of the options
    left at None.
    """
    things: tuple
    stuff: tuple
    stuff_rgb: np.ndarray
    thing_rot: tuple  # rotation range (radians) per thing class
    option_defaults: dict
    stuff_k: tuple = (2, 3)  # stuff classes per image ...
    stuff_k_p: tuple = (0.45, 0.55)  # ... and their probabilities
    band_p: float = 0.6  # bands (else blobs)
    colour_sd: float = 32
    brightness_sd: float = 18
    clip: tuple = (10, 245)
    delta_lo: tuple = (70, 20)  # thing/background contrast, low end
    delta_hi: tuple = (120, 60)  # high end
    thing_amp: tuple = (8, 18)  # thing texture amplitude
    hue_amp: tuple = (12, 24)  # class hue shift (chroma levels) at class_hue 1
    class_rgb_sd: float = 12.0  # jitter of a class's own colour (class_colour)
    shading: float = 0.25  # strength of the global gradient
    noise: tuple = (1.0, (4.0, 8.0))  # sensor noise sigma (easy, hard)


VARIANTS = {
    # the default dataset (its numbers and RNG draws are frozen: changing
    # them changes the files)
    'shapes':
    _Variant(
        things=THING_CATEGORIES,
        stuff=STUFF_CATEGORIES,
        # square and diamond stay close to upright so that they remain two
        # different shapes
        thing_rot=(np.pi, np.pi / 9, np.pi, np.pi / 9, np.pi / 4, np.pi,
                   np.pi, np.pi),
        stuff_rgb=np.array([(140, 160, 185), (110, 135, 90),
                            (90, 120, 145), (150, 120, 105),
                            (170, 155, 125)],
                           dtype=np.float32),
        option_defaults=dict(
            min_size=96,
            max_size=160,
            min_things=2,
            max_things=8,
            min_thing_size=8.0,
            max_thing_size=48.0,
            difficulty=0.5,
            class_colour=0.0)),
    # the second dataset (Table 3's transfer at CPU scale): other classes
    # and ids, smaller images with more, relatively larger things, a wider
    # brightness spread (dark road, bright snow), stronger noise and shading
    # per unit of difficulty. Things and difficulty chosen on the proxy val
    # split (seed 0, the tiny Baseline, 6 epochs; configs/ada_segment/
    # README.md): at 1-5 things and difficulty 0.5 it found no thing
    # (PQ_th 0.0); 3-10 things at 0.25 gave the best PQ_th of 3 settings.
    'glyphs':
    _Variant(
        things=(
            (4, 'hexagon', (255, 140, 0)),
            (9, 'oval', (70, 200, 70)),
            (15, 'arrow', (200, 60, 60)),
            (26, 'ell', (60, 120, 255)),
            (33, 'tee', (230, 230, 50)),
            (47, 'heart', (255, 60, 150)),
        ),
        stuff=(
            (104, 'road', (90, 90, 95)),
            (118, 'foliage', (40, 110, 40)),
            (133, 'snow', (235, 240, 250)),
            (146, 'tiles', (190, 120, 80)),
        ),
        thing_rot=(np.pi, np.pi, np.pi, np.pi, np.pi, np.pi / 6),
        stuff_rgb=np.array([(75, 75, 80), (50, 90, 45), (225, 228, 235),
                            (175, 115, 85)],
                           dtype=np.float32),
        option_defaults=dict(
            min_size=80,
            max_size=128,
            min_things=3,
            max_things=10,
            min_thing_size=12.0,
            max_thing_size=40.0,
            difficulty=0.25,
            class_colour=0.0),
        stuff_k=(1, 2, 3),
        stuff_k_p=(0.15, 0.55, 0.3),
        band_p=0.35,
        colour_sd=20,
        brightness_sd=25,
        clip=(5, 250),
        delta_lo=(90, 30),
        delta_hi=(140, 70),
        thing_amp=(10, 22),
        shading=0.4,
        noise=(2.0, (8.0, 12.0))),
    # the testbed in the paper's regime (configs/baselines/README.md, "The
    # scenes testbed"): things the tiny detector learns within 6 epochs
    # (large: 20-56 px on 112-144 px images, 3-7 per image with occlusion,
    # a class colour and a strong class hue on top of shape and texture)
    # and stuff with real boundaries (wavy bands and blobs of 5 textured
    # classes, less colour jitter); the first dataset's share of thing
    # classes (8 of 13; COCO 80 of 133), other non-contiguous ids. The
    # class colour (0.7) chosen from Baseline statistics alone
    # (tools/analysis/select_testbed.py): without it the Baseline found
    # almost no thing (proxy-val PQ_th 3-8); at 0.4 PQ_th 20.4 (below the
    # floor of 25), at 0.55 28.3 but a test seed std of 0.79 (above 0.6),
    # at 0.7 PQ_th 40.8, PQ_st 57.4, test std 0.33.
    'scenes':
    _Variant(
        things=(
            (3, 'circle', (230, 60, 40)),
            (8, 'square', (40, 90, 230)),
            (12, 'triangle', (240, 200, 30)),
            (21, 'cross', (150, 40, 190)),
            (29, 'star', (250, 120, 170)),
            (36, 'arrow', (30, 190, 180)),
            (42, 'ell', (120, 200, 60)),
            (50, 'heart', (200, 30, 100)),
        ),
        stuff=(
            (102, 'sky', (120, 160, 210)),
            (115, 'grass', (90, 150, 60)),
            (121, 'water', (40, 80, 150)),
            (134, 'wall', (170, 110, 90)),
            (148, 'road', (90, 90, 95)),
        ),
        thing_rot=(np.pi, np.pi / 9, np.pi, np.pi / 4, np.pi, np.pi, np.pi,
                   np.pi / 6),
        stuff_rgb=np.array([(145, 165, 195), (100, 140, 80),
                            (70, 105, 140), (160, 115, 100), (90, 90, 95)],
                           dtype=np.float32),
        option_defaults=dict(
            min_size=112,
            max_size=144,
            min_things=3,
            max_things=7,
            min_thing_size=20.0,
            max_thing_size=56.0,
            difficulty=0.5,
            class_colour=0.7),
        colour_sd=20,
        brightness_sd=12,
        hue_amp=(35, 55)),
}
#: The first variant: its files record no ``variant`` (they predate it).
DEFAULT_VARIANT = 'shapes'


def synthetic_classes(variant: str = DEFAULT_VARIANT) -> Tuple[tuple, tuple]:
    """``(thing_classes, stuff_classes)`` of a variant."""
    v = VARIANTS[variant]
    return (tuple(n for _, n, _ in v.things), tuple(n for _, n, _ in v.stuff))


def default_root(variant: str = DEFAULT_VARIANT) -> str:
    """The usual data root of a variant (the base dataset configs')."""
    if variant == DEFAULT_VARIANT:
        return 'data/synthetic_panoptic'
    return f'data/synthetic_panoptic_{variant}'


def _lerp(easy: float, hard: float, difficulty: float) -> float:
    return easy + (hard - easy) * difficulty


# ---------------------------------------------------------------------------
# stuff


def _smooth_noise(rng: np.random.Generator, h: int, w: int,
                  scale: float) -> np.ndarray:
    """Zero-mean, unit-std noise with features of about ``scale`` px."""
    gh = max(2, int(round(h / scale)) + 2)
    gw = max(2, int(round(w / scale)) + 2)
    grid = rng.standard_normal((gh, gw)).astype(np.float32)
    field = cv2.resize(grid, (w, h), interpolation=cv2.INTER_CUBIC)
    return (field - field.mean()) / (field.std() + 1e-6)


def _normalise(t: np.ndarray) -> np.ndarray:
    return (t - t.mean()) / (t.std() + 1e-6)


def _masonry(rng: np.random.Generator, yy: np.ndarray, xx: np.ndarray,
             bh: int, bw: int, stagger: float) -> np.ndarray:
    """Blocks of ``bh x bw`` px, each with its own tone, and mortar lines;
    every other row shifted by ``stagger`` px."""
    row = (yy // bh).astype(np.int64)
    xs = xx + (row % 2) * stagger + rng.uniform(0, bw)
    col = (xs // bw).astype(np.int64)
    tones = rng.standard_normal((row.max() + 1, col.max() + 1)) * 0.6
    t = tones[row, col].astype(np.float32)
    mortar = ((yy % bh) < 1.5) | ((xs % bw) < 1.5)
    t[mortar] = -2.0
    return t


def _stuff_texture(name: str, rng: np.random.Generator, h: int,
                   w: int) -> Tuple[np.ndarray, float]:
    """A zero-mean texture of stuff class ``name`` and its amplitude."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    if name == 'sky':  # vertical gradient and soft clouds
        t = (yy / h - 0.5) * rng.uniform(1.0, 2.0) + 0.6 * _smooth_noise(
            rng, h, w, rng.uniform(18, 32))
        return t, rng.uniform(10, 16)
    if name == 'grass':  # vertical blades
        n = rng.standard_normal((h, w)).astype(np.float32)
        t = cv2.GaussianBlur(n, (0, 0), sigmaX=0.7, sigmaY=2.5)
        return _normalise(t), rng.uniform(20, 30)
    if name == 'water':  # horizontal ripples with a wobbling phase
        period = rng.uniform(4.5, 7.0)
        phase = 1.5 * _smooth_noise(rng, h, w, rng.uniform(12, 20))
        t = np.sin(2 * np.pi * yy / period + phase + rng.uniform(0, 6.3))
        return t.astype(np.float32), rng.uniform(12, 20)
    if name == 'wall':  # bricks with mortar lines and per-brick tone
        bh = int(rng.integers(6, 10))
        bw = int(rng.integers(12, 20))
        return _masonry(rng, yy, xx, bh, bw, bw / 2), rng.uniform(10, 16)
    if name == 'sand':  # fine isotropic speckle plus faint dunes
        n = rng.standard_normal((h, w)).astype(np.float32)
        t = _normalise(cv2.GaussianBlur(n, (0, 0), 0.6))
        t += 0.4 * _smooth_noise(rng, h, w, rng.uniform(8, 14))
        return t, rng.uniform(12, 20)
    if name == 'road':  # asphalt: fine grain with sparse bright grit
        n = rng.standard_normal((h, w)).astype(np.float32)
        t = _normalise(cv2.GaussianBlur(n, (0, 0), 0.9))
        t += 2.5 * (rng.random((h, w)) > 0.985).astype(np.float32)
        return t, rng.uniform(10, 16)
    if name == 'foliage':  # small leafy blobs over larger shadows
        t = np.tanh(2 * _smooth_noise(rng, h, w, rng.uniform(3, 5)))
        t += 0.5 * _smooth_noise(rng, h, w, rng.uniform(10, 16))
        return t, rng.uniform(22, 32)
    if name == 'snow':  # almost flat, faint drifts
        t = 0.5 * _smooth_noise(rng, h, w, rng.uniform(24, 40))
        return t, rng.uniform(4, 8)
    if name == 'tiles':  # square tiles on a grid, no offset
        side = int(rng.integers(8, 13))
        return _masonry(rng, yy, xx, side, side, 0.0), rng.uniform(10, 16)
    raise KeyError(f'no texture for stuff class {name!r}')


def _stuff_layout(rng: np.random.Generator, h: int, w: int,
                  var: _Variant) -> Tuple[np.ndarray, List[int]]:
    """Region map (H, W) of indices into the returned stuff class list."""
    k = int(rng.choice(list(var.stuff_k), p=list(var.stuff_k_p)))
    classes = [int(c) for c in rng.permutation(len(var.stuff))[:k]]
    if rng.random() < var.band_p:
        # bands: k-1 wavy random-walk boundaries, sometimes vertical
        transpose = rng.random() < 0.25
        hh, ww = (w, h) if transpose else (h, w)
        cuts = np.sort(rng.uniform(0.25, 0.8, k - 1)) * hh
        if k == 3:
            cuts[1] = max(cuts[1], cuts[0] + 0.2 * hh)
        x = np.arange(ww, dtype=np.float32)
        rows = np.arange(hh, dtype=np.float32)[:, None]
        region = np.zeros((hh, ww), np.int64)
        for cut in cuts:
            walk = np.cumsum(rng.normal(0, 1.2, ww)).astype(np.float32)
            walk -= np.linspace(walk[0], walk[-1], ww, dtype=np.float32)
            walk = cv2.blur(walk[None], (5, 1))[0]
            wave = rng.uniform(
                2, 0.12 * hh) * np.sin(2 * np.pi * x / rng.uniform(0.4, 1.2) /
                                       ww + rng.uniform(0, 6.3))
            region += rows > (cut + wave + walk)[None]
        if transpose:
            region = np.ascontiguousarray(region.T)
        return region, classes
    # blobs: a background class and 1-2 thresholded smooth-noise blobs
    region = np.zeros((h, w), np.int64)
    for j in range(1, k):
        field = _smooth_noise(rng, h, w, rng.uniform(16, 32))
        frac = rng.uniform(0.2, 0.4)
        region[field > np.quantile(field, 1 - frac)] = j
    return region, classes


# ---------------------------------------------------------------------------
# things


def _poly(center: np.ndarray, radii: np.ndarray, angles: np.ndarray,
          rot: float) -> np.ndarray:
    a = angles + rot
    pts = np.stack([radii * np.cos(a), radii * np.sin(a)], axis=1) + center
    return np.round(pts * 16).astype(np.int32)  # cv2 ``shift=4``


def _rotated(xy: np.ndarray, rot: float, center: np.ndarray) -> np.ndarray:
    """Points ``xy`` (N, 2) around the origin, rotated by ``rot`` and moved
    to ``center``, as cv2 ``shift=4`` integer points."""
    cos, sin = np.cos(rot), np.sin(rot)
    xy = xy @ np.array([[cos, sin], [-sin, cos]]) + center
    return np.round(xy * 16).astype(np.int32)


# the glyphs' outlines in units of the half extent r, around the origin
_ARROW = np.array([(1.0, 0.0), (0.15, 0.6), (0.15, 0.22), (-1.0, 0.22),
                   (-1.0, -0.22), (0.15, -0.22), (0.15, -0.6)])
_ELL = np.array([(-0.75, -1.0), (-0.2, -1.0), (-0.2, 0.45), (0.75, 0.45),
                 (0.75, 1.0), (-0.75, 1.0)])
_TEE = np.array([(-1.0, -0.85), (1.0, -0.85), (1.0, -0.3), (0.28, -0.3),
                 (0.28, 1.0), (-0.28, 1.0), (-0.28, -0.3), (-1.0, -0.3)])
_T32 = np.arange(32) * 2 * np.pi / 32
_HEART = np.stack([
    16 * np.sin(_T32)**3, -(13 * np.cos(_T32) - 5 * np.cos(2 * _T32) -
                            2 * np.cos(3 * _T32) - np.cos(4 * _T32)) - 2.5
], axis=1) / 16.5
_OVAL = np.stack([np.cos(_T32), 0.5 * np.sin(_T32)], axis=1)


def _thing_mask(name: str, size: float, center: np.ndarray, rot: float,
                rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """Binary mask (H, W) of thing class ``name``; ``size`` is its extent.
    """
    m = np.zeros((h, w), np.uint8)
    r = size / 2
    c16 = tuple(int(v) for v in np.round(center * 16))
    if name in ('circle', 'ring', 'crescent'):
        cv2.circle(m, c16, int(round(r * 16)), 1, -1, cv2.LINE_8, 4)
        if name == 'ring':
            inner = r * rng.uniform(0.45, 0.6)
            cv2.circle(m, c16, int(round(inner * 16)), 0, -1, cv2.LINE_8, 4)
        elif name == 'crescent':
            off = center + 0.5 * r * np.array([np.cos(rot), np.sin(rot)])
            o16 = tuple(int(v) for v in np.round(off * 16))
            cv2.circle(m, o16, int(round(0.85 * r * 16)), 0, -1, cv2.LINE_8, 4)
        return m.astype(bool)
    if name == 'square':
        pts = _poly(center, np.full(4, r * 0.95),
                    np.arange(4) * np.pi / 2 + np.pi / 4, rot)
    elif name == 'triangle':
        pts = _poly(center, np.full(3, r), np.arange(3) * 2 * np.pi / 3, rot)
    elif name == 'diamond':  # an elongated rhombus, long axis ~vertical
        pts = _poly(center, np.array([r, 0.58 * r, r, 0.58 * r]),
                    np.arange(4) * np.pi / 2, rot + np.pi / 2)
    elif name == 'cross':
        t, a = 0.2 * size, r
        xy = np.array([(t, t), (t, a), (-t, a), (-t, t), (-a, t), (-a, -t),
                       (-t, -t), (-t, -a), (t, -a), (t, -t), (a, -t), (a, t)])
        pts = _rotated(xy, rot, center)
    elif name == 'star':
        radii = np.where(np.arange(10) % 2 == 0, r, 0.45 * r)
        pts = _poly(center, radii, np.arange(10) * np.pi / 5, rot)
    elif name == 'hexagon':
        pts = _poly(center, np.full(6, r), np.arange(6) * np.pi / 3, rot)
    else:
        outline = dict(
            oval=_OVAL, arrow=_ARROW, ell=_ELL, tee=_TEE, heart=_HEART)
        if name not in outline:
            raise KeyError(f'no shape for thing class {name!r}')
        pts = _rotated(outline[name] * r, rot, center)
    cv2.fillPoly(m, [pts], 1, cv2.LINE_8, 4)
    return m.astype(bool)


def _thing_texture(name: str, rng: np.random.Generator, u: np.ndarray,
                   v: np.ndarray) -> np.ndarray:
    """Class-specific texture in [-1, 1] at local coordinates (u, v)."""
    if name == 'circle':  # horizontal stripes, period 4
        return np.sin(2 * np.pi * v / 4.0)
    if name == 'square':  # checker, period 5
        return np.sign(
            np.sin(2 * np.pi * u / 5.0) * np.sin(2 * np.pi * v / 5.0))
    if name == 'triangle':  # dots, period 4
        return np.where(
            np.cos(2 * np.pi * u / 4.0) + np.cos(2 * np.pi * v / 4.0) > 1.0,
            1.0, -0.3)
    if name == 'diamond':  # vertical stripes, period 3
        return np.sin(2 * np.pi * u / 3.0)
    if name == 'cross':  # diagonal stripes, period 6
        return np.sin(2 * np.pi * (u + v) / (6.0 * math.sqrt(2)))
    if name == 'ring':  # grain
        return np.clip(rng.standard_normal(u.shape) * 0.6, -1, 1)
    if name == 'star':  # concentric rings, period 4
        return np.sin(2 * np.pi * np.hypot(u, v) / 4.0)
    if name == 'crescent':  # wide stripes, period 7
        return np.sin(2 * np.pi * v / 7.0)
    if name == 'hexagon':  # a grid of thin lines, period 5
        return np.where((np.mod(u, 5.0) < 1.5) | (np.mod(v, 5.0) < 1.5), 1.0,
                        -0.6)
    if name == 'oval':  # zigzag stripes, period 5
        return np.sin(2 * np.pi * (v + 1.5 * np.abs(np.mod(u, 6.0) - 3.0)) /
                      5.0)
    if name == 'arrow':  # 8 wedges around the centre
        return np.where(np.sin(4 * np.arctan2(v, u)) >= 0, 1.0, -1.0)
    if name == 'ell':  # a ramp along the local x axis
        return np.clip(u / 8.0, -1, 1)
    if name == 'tee':  # large sparse dots, period 8
        return np.where(
            np.hypot(np.mod(u, 8.0) - 4, np.mod(v, 8.0) - 4) < 2.0, 1.0,
            -0.4)
    if name == 'heart':  # soft blotches
        n = rng.standard_normal(u.shape).astype(np.float32)
        return np.clip(0.6 * _normalise(cv2.GaussianBlur(n, (0, 0), 1.5)),
                       -1, 1)
    raise KeyError(f'no texture for thing class {name!r}')


# An orthonormal basis of the chroma plane (orthogonal to grey, 1 1 1): a
# thing class's hue shift is a direction in it.
_CHROMA_U = np.array([2.0, -1.0, -1.0], np.float32) / math.sqrt(6.0)
_CHROMA_V = np.array([0.0, 1.0, -1.0], np.float32) / math.sqrt(2.0)


def _place_things(rng: np.random.Generator, h: int, w: int,
                  cfg: 'SyntheticOptions',
                  var: _Variant) -> Tuple[np.ndarray, List[dict]]:
    """Place things in painting order; returns the visible-instance map.

    ``inst_map`` holds 0 for stuff and ``k + 1`` for the k-th instance. A
    candidate is rejected when it, or an instance it occludes, would keep a
    visible area below ``min_visible_area``.
    """
    inst_map = np.zeros((h, w), np.int32)
    things: List[dict] = []
    visible: List[int] = []
    target = int(rng.integers(cfg.min_things, cfg.max_things + 1))
    lo, hi = math.log(cfg.min_thing_size), math.log(cfg.max_thing_size)
    for _ in range(8 * target):
        if len(things) == target:
            break
        cls = int(rng.integers(len(var.things)))
        size = math.exp(rng.uniform(lo, hi))
        if things and rng.random() < 0.45:  # next to an earlier instance
            prev = things[int(rng.integers(len(things)))]
            spread = 0.35 * (prev['size'] + size)
            center = prev['center'] + rng.normal(0, spread, 2)
        else:
            center = np.array([rng.uniform(0, w), rng.uniform(0, h)])
        rot = rng.uniform(-1, 1) * var.thing_rot[cls]
        mask = _thing_mask(var.things[cls][1], size, center, rot, rng, h, w)
        area = int(mask.sum())
        if area < cfg.min_visible_area:
            continue
        hidden = np.bincount(inst_map[mask], minlength=len(things) + 1)[1:]
        new_visible = np.asarray(visible, np.int64) - hidden
        if (new_visible < cfg.min_visible_area).any():
            continue
        visible = new_visible.tolist() + [area]
        inst_map[mask] = len(things) + 1
        things.append(
            dict(cls=cls, size=size, center=center, rot=rot, mask=mask))
    return inst_map, things


# ---------------------------------------------------------------------------
# one image


def _bbox_area(mask: np.ndarray) -> Tuple[List[int], int]:
    ys = np.flatnonzero(mask.any(axis=1))
    xs = np.flatnonzero(mask.any(axis=0))
    bbox = [
        int(xs[0]),
        int(ys[0]),
        int(xs[-1] - xs[0] + 1),
        int(ys[-1] - ys[0] + 1)
    ]
    return bbox, int(mask.sum())


def render_image(rng: np.random.Generator, h: int, w: int,
                 cfg: 'SyntheticOptions'
                 ) -> Tuple[np.ndarray, np.ndarray, List[dict]]:
    """Render one image.

    Args:
        rng (np.random.Generator): The image's own generator.
        h (int): Height.
        w (int): Width.
        cfg (SyntheticOptions): The generator's options (``cfg.variant``
            gives the classes and image statistics).

    Returns:
        tuple: ``(img, pan, segments_info)``: the RGB image (H, W, 3) uint8,
        the panoptic id map (H, W) int64 and the COCO ``segments_info``.
    """
    difficulty = cfg.difficulty
    var = VARIANTS[cfg.variant]
    region, stuff_classes = _stuff_layout(rng, h, w, var)

    # stuff canvas
    img = np.zeros((h, w, 3), np.float32)
    brightness = rng.normal(0, var.brightness_sd)
    for j, cls in enumerate(stuff_classes):
        base = var.stuff_rgb[cls] + rng.normal(0, var.colour_sd,
                                               3) + brightness
        tex, amp = _stuff_texture(var.stuff[cls][1], rng, h, w)
        gains = rng.uniform(0.8, 1.2, 3).astype(np.float32)
        sel = region == j
        img[sel] = base + (amp * tex[sel])[:, None] * gains
    img = np.clip(img, *var.clip)

    # things, painted in order over the canvas
    inst_map, things = _place_things(rng, h, w, cfg, var)
    d_lo = _lerp(*var.delta_lo, difficulty)
    d_hi = _lerp(*var.delta_hi, difficulty)
    for thing in things:
        mask = thing['mask']
        ys = np.flatnonzero(mask.any(axis=1))
        xs = np.flatnonzero(mask.any(axis=0))
        y0, y1, x0, x1 = ys[0], ys[-1] + 1, xs[0], xs[-1] + 1
        local = mask[y0:y1, x0:x1]
        patch = img[y0:y1, x0:x1]
        bg = patch[local].mean(axis=0)
        lum = float(bg.mean())
        sign = -1.0 if lum > 165 else 1.0 if lum < 90 else rng.choice(
            [-1.0, 1.0])
        delta = sign * rng.uniform(d_lo, d_hi)
        colour = bg + delta * rng.uniform(0.7, 1.3, 3)
        if cfg.class_hue:
            angle = 2 * np.pi * thing['cls'] / len(var.things) + \
                rng.uniform(-1, 1) * np.pi / 9
            chroma = np.cos(angle) * _CHROMA_U + np.sin(angle) * _CHROMA_V
            colour = colour + cfg.class_hue * rng.uniform(
                *var.hue_amp) * chroma
        if cfg.class_colour:
            own = np.asarray(var.things[thing['cls']][2], np.float32) + \
                rng.normal(0, var.class_rgb_sd, 3)
            colour = (1 - cfg.class_colour) * colour + \
                cfg.class_colour * own
        vv, uu = np.mgrid[y0:y1, x0:x1].astype(np.float32)
        vv -= thing['center'][1]
        uu -= thing['center'][0]
        cos, sin = math.cos(thing['rot']), math.sin(thing['rot'])
        u, v = uu * cos + vv * sin, -uu * sin + vv * cos
        tex = _thing_texture(var.things[thing['cls']][1], rng, u,
                             v).astype(np.float32)
        amp = rng.uniform(*var.thing_amp)
        patch[local] = colour + (amp * tex[local])[:, None]

    # global shading, slight blur, sensor noise
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    a = rng.uniform(0, 2 * np.pi)
    ramp = (np.cos(a) * (xx / w - 0.5) + np.sin(a) * (yy / h - 0.5))
    img *= (1 + var.shading * difficulty * rng.uniform(0.3, 1.0) *
            ramp)[..., None]
    sigma = _lerp(0.3, rng.uniform(0.5, 0.9), difficulty)
    img = cv2.GaussianBlur(img, (0, 0), sigma)
    noise = _lerp(var.noise[0], rng.uniform(*var.noise[1]), difficulty)
    img += rng.normal(0, noise, img.shape).astype(np.float32)
    img = np.clip(np.round(img), 0, 255).astype(np.uint8)

    # panoptic ids: R = instance number, G = category id
    pan = np.zeros((h, w), np.int64)
    segments = []
    stuff_part = inst_map == 0
    for j, cls in enumerate(stuff_classes):
        mask = stuff_part & (region == j)
        if not mask.any():
            continue
        cat_id = var.stuff[cls][0]
        seg_id = 1 + 256 * cat_id
        pan[mask] = seg_id
        bbox, area = _bbox_area(mask)
        segments.append(
            dict(
                id=seg_id, category_id=cat_id, iscrowd=0, bbox=bbox,
                area=area))
    per_class: Counter = Counter()
    for k, thing in enumerate(things):
        mask = inst_map == k + 1
        cat_id = var.things[thing['cls']][0]
        per_class[cat_id] += 1
        seg_id = per_class[cat_id] + 256 * cat_id
        pan[mask] = seg_id
        bbox, area = _bbox_area(mask)
        segments.append(
            dict(
                id=seg_id, category_id=cat_id, iscrowd=0, bbox=bbox,
                area=area))
    return img, pan, segments


# ---------------------------------------------------------------------------
# dataset


def categories(variant: str = DEFAULT_VARIANT) -> List[dict]:
    """The COCO ``categories`` of a variant, things first."""
    var = VARIANTS[variant]
    cats = []
    for isthing, table in ((1, var.things), (0, var.stuff)):
        for cat_id, name, color in table:
            cats.append(
                dict(
                    id=cat_id,
                    name=name,
                    isthing=isthing,
                    supercategory='shape' if isthing else 'surface',
                    color=list(color)))
    return cats


def _write_json(obj: dict, path: str) -> None:
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(obj, f, separators=(',', ':'))


def _write_split(root: str, split: str, num: int, cfg: 'SyntheticOptions',
                 info: dict) -> None:
    img_dir = osp.join(root, split)
    png_dir = osp.join(root, 'annotations', f'panoptic_{split}')
    os.makedirs(img_dir)
    os.makedirs(png_dir)
    offset = VAL_ID_OFFSET if split == 'val' else 0
    images, annotations = [], []
    for index in range(num):
        rng = np.random.default_rng([cfg.seed, _SPLIT_CODES[split], index])
        h = int(rng.integers(cfg.min_size, cfg.max_size + 1))
        w = int(rng.integers(cfg.min_size, cfg.max_size + 1))
        img, pan, segments = render_image(rng, h, w, cfg)
        img_id = offset + index + 1
        stem = f'{img_id:012d}'
        ok, jpg = cv2.imencode('.jpg', img[..., ::-1],
                               [cv2.IMWRITE_JPEG_QUALITY, cfg.jpeg_quality])
        assert ok, 'JPEG encoding failed'
        jpg.tofile(osp.join(img_dir, f'{stem}.jpg'))
        rgb = np.stack([pan % 256, pan // 256 % 256, pan // 65536], axis=-1)
        ok, png = cv2.imencode('.png', rgb[..., ::-1].astype(np.uint8))
        assert ok, 'PNG encoding failed'
        png.tofile(osp.join(png_dir, f'{stem}.png'))
        images.append(
            dict(id=img_id, file_name=f'{stem}.jpg', width=w, height=h))
        annotations.append(
            dict(
                image_id=img_id,
                file_name=f'{stem}.png',
                segments_info=segments))
    _write_json(
        dict(
            info=info,
            images=images,
            annotations=annotations,
            categories=categories(cfg.variant)),
        osp.join(root, 'annotations', f'panoptic_{split}.json'))


@dataclasses.dataclass(frozen=True)
class SyntheticOptions:
    """The generator's options, checked once at construction.

    To add an option, add a field here (with its default and a line below):
    :func:`generate_synthetic_panoptic`, :func:`ensure_synthetic_panoptic`,
    the files' ``info.generator_args`` and the flags of
    ``tools/misc/make_synthetic_dataset.py`` all follow. The options that
    default to None take the defaults of ``variant`` (given below as
    'shapes' / 'glyphs' / 'scenes'); the resolved values are recorded.

    Args:
        num_train (int): Train images. Defaults to 480.
        num_val (int): Val images (the separate test split). Defaults to 120.
        num_proxy_val (int): Train images held out as proxy val.
            Defaults to 80.
        seed (int): Seed of every per-image generator. Defaults to 0.
        min_size (int, optional): Min image side. Defaults to 96 / 80 / 112.
        max_size (int, optional): Max image side (each side uniform in
            ``[min_size, max_size]``). Defaults to 160 / 128 / 144.
        difficulty (float, optional): 1 = low contrast (delta 20-60;
            glyphs 30-70), blur and noise sigma 4-8 (glyphs 8-12); 0 = high
            contrast (delta 70-120; glyphs 90-140), almost clean. Defaults
            to 0.5 / 0.25 (at 1.0 the tiny model finds no thing within the
            demo's 600 iterations on 'shapes': PQ_th 0).
        min_things (int, optional): Min things per image (attempted).
            Defaults to 2 / 3 / 3.
        max_things (int, optional): Max things per image.
            Defaults to 8 / 10 / 7.
        min_thing_size (float, optional): Min thing extent in px
            (log-uniform). Defaults to 8 / 12 / 20.
        max_thing_size (float, optional): Max thing extent in px.
            Defaults to 48 / 40 / 56.
        min_visible_area (int): Min visible area of a thing in px.
            Defaults to 30.
        class_hue (float): Strength of a class-specific hue shift of each
            thing relative to its background (0: colour carries no class
            information; 1: a chroma shift of 12-24 levels in the class's
            direction, jittered by +-20 degrees, on top of the luminance
            contrast). A weak but real cue, as colour is for real classes:
            without it the tiny model finds no thing in the demo's budget.
            Defaults to 1.0.
        class_colour (float, optional): Share of each thing's colour that
            is its class's own colour (the category's ``color``, jittered
            by N(0, 12) per channel) instead of a colour relative to its
            background (0: colour carries only the class hue above;
            1: the class colour alone). Recorded only when not 0 (the
            files of 'shapes' and 'glyphs' predate it). Defaults to 0 / 0 /
            0.7.
        jpeg_quality (int): JPEG quality. Defaults to 90.
        variant (str): The class set and image statistics: 'shapes' (the
            first dataset: 8 thing, 5 stuff classes), 'glyphs' (the
            second: 6 thing, 4 stuff classes, other ids, shapes, textures,
            colours, sizes and noise) or 'scenes' (the testbed: 8 thing, 5
            stuff classes with other ids, large things of a class colour);
            see ``VARIANTS``. Recorded in ``info.generator_args`` unless
            'shapes'. Defaults to 'shapes'.

    Raises:
        TypeError: An unknown option.
        ValueError: A value out of range (the message names the option).
    """
    num_train: int = 480
    num_val: int = 120
    num_proxy_val: int = 80
    seed: int = 0
    min_size: Optional[int] = None
    max_size: Optional[int] = None
    difficulty: Optional[float] = None
    min_things: Optional[int] = None
    max_things: Optional[int] = None
    min_thing_size: Optional[float] = None
    max_thing_size: Optional[float] = None
    min_visible_area: int = 30
    class_hue: float = 1.0
    class_colour: Optional[float] = None
    jpeg_quality: int = 90
    variant: str = DEFAULT_VARIANT

    def __post_init__(self) -> None:
        if self.variant not in VARIANTS:
            raise ValueError(f'variant must be one of {list(VARIANTS)}, '
                             f'got {self.variant!r}')
        for key, value in VARIANTS[self.variant].option_defaults.items():
            if getattr(self, key) is None:
                object.__setattr__(self, key, value)
        if self.num_train < 2 or self.num_val < 1:
            raise ValueError('num_train must be >= 2 and num_val >= 1, got '
                             f'{self.num_train} and {self.num_val}')
        if not 1 <= self.num_proxy_val < self.num_train:
            raise ValueError('num_proxy_val must be in [1, num_train), got '
                             f'{self.num_proxy_val}')
        if not 16 <= self.min_size <= self.max_size:
            raise ValueError('need 16 <= min_size <= max_size, got '
                             f'{self.min_size}, {self.max_size}')
        if not 0 <= self.difficulty <= 1:
            raise ValueError(
                f'difficulty must be in [0, 1], got {self.difficulty}')
        if not 0 <= self.min_things <= self.max_things:
            raise ValueError('need 0 <= min_things <= max_things')
        if not 2 <= self.min_thing_size <= self.max_thing_size:
            raise ValueError('need 2 <= min_thing_size <= max_thing_size')
        if self.class_hue < 0:
            raise ValueError(f'class_hue must be >= 0, got {self.class_hue}')
        if not 0 <= self.class_colour <= 1:
            raise ValueError(
                f'class_colour must be in [0, 1], got {self.class_colour}')
        if not 1 <= self.jpeg_quality <= 100:
            raise ValueError(
                f'jpeg_quality must be in [1, 100], got {self.jpeg_quality}')

    def to_dict(self) -> dict:
        """Every option by name (``info.generator_args`` of the files),
        without ``variant`` when it is the default and ``class_colour``
        when 0: the files made before these options existed stay valid."""
        args = dataclasses.asdict(self)
        if args['variant'] == DEFAULT_VARIANT:
            del args['variant']
        if not args['class_colour']:
            del args['class_colour']
        return args


def generate_synthetic_panoptic(root: str, **options) -> str:
    """Generate the synthetic panoptic dataset under ``root``, atomically.

    The dataset is written into a temporary sibling directory that is then
    renamed to ``root``; if ``root`` already exists (e.g. another process won
    the race), the new copy is discarded and ``root`` is left untouched.

    Args:
        root (str): Output directory; must not exist (or be empty).
        **options: The fields of :class:`SyntheticOptions` (defaults for
            the others).

    Returns:
        str: ``root``.
    """
    cfg = SyntheticOptions(**options)
    info = dict(
        description='mmada synthetic panoptic dataset',
        version=GENERATOR_VERSION,
        generator_args=cfg.to_dict())

    root = osp.normpath(root)
    parent = osp.dirname(osp.abspath(root))
    os.makedirs(parent, exist_ok=True)
    tmp = osp.join(
        parent, f'.{osp.basename(root)}.tmp-{os.getpid()}-'
        f'{uuid.uuid4().hex[:8]}')
    try:
        os.makedirs(osp.join(tmp, 'annotations'))
        _write_split(tmp, 'train', cfg.num_train, cfg, info)
        _write_split(tmp, 'val', cfg.num_val, cfg, info)
        ann = osp.join(tmp, 'annotations')
        make_proxy_split(
            osp.join(ann, 'panoptic_train.json'),
            osp.join(ann, 'panoptic_proxy_train.json'),
            osp.join(ann, 'panoptic_proxy_val.json'),
            num_val=cfg.num_proxy_val,
            seed=cfg.seed)
        try:
            os.rename(tmp, root)
        except OSError:
            if not osp.isdir(root):
                raise
            # another process made ``root`` first: keep theirs
    finally:
        if osp.isdir(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
    return root


def is_synthetic_panoptic(root: str) -> bool:
    """Whether ``root`` holds a complete generated dataset."""
    return osp.isfile(osp.join(root, 'annotations', 'panoptic_proxy_val.json'))


def ensure_synthetic_panoptic(root: str, **options) -> str:
    """Generate the dataset under ``root`` unless it is already there.

    Args:
        root (str): Dataset directory.
        **options: The fields of :class:`SyntheticOptions`.

    Returns:
        str: ``root``.

    Raises:
        ValueError: ``root`` holds a dataset made with other arguments
            (another ``variant`` first: each variant has its own root) or
            by another generator version, or something that is not a
            complete generated dataset.
    """
    wanted = SyntheticOptions(**options).to_dict()
    if not is_synthetic_panoptic(root):
        generate_synthetic_panoptic(root, **wanted)
    if not is_synthetic_panoptic(root):
        raise ValueError(
            f'{root} exists but is not a complete synthetic panoptic '
            'dataset (no annotations/panoptic_proxy_val.json); delete it '
            'or choose another data_root')
    ann_file = osp.join(root, 'annotations', 'panoptic_train.json')
    with open(ann_file, encoding='utf-8') as f:
        info = json.load(f).get('info', {})
    have = info.get('generator_args')
    version = info.get('version')
    if isinstance(have, dict):
        have_variant = have.get('variant', DEFAULT_VARIANT)
        want_variant = wanted.get('variant', DEFAULT_VARIANT)
        if have_variant != want_variant:
            raise ValueError(
                f'{root} holds the synthetic dataset variant '
                f'{have_variant!r}, not the wanted variant={want_variant!r}: '
                'each variant needs its own data_root (e.g. '
                f'{default_root(want_variant)}/)')
    if have != wanted or version != GENERATOR_VERSION:
        diff = {
            k: (have.get(k) if isinstance(have, dict) else None, v)
            for k, v in wanted.items()
            if not isinstance(have, dict) or have.get(k) != v
        }
        raise ValueError(
            f'{root} was generated with other arguments or generator '
            f'version ({version} vs {GENERATOR_VERSION}; differing '
            f'(existing, wanted): {diff}); delete it or use another '
            'data_root')
    return root


def dataset_summary(root: str) -> str:
    """One line: images per split, segments per class, thing sizes."""
    parts, seg_counts, sizes = [], Counter(), []
    with open(
            osp.join(root, 'annotations', 'panoptic_train.json'),
            encoding='utf-8') as f:
        cats = json.load(f)['categories']
    names = {c['id']: c['name'] for c in cats}
    things = {c['id'] for c in cats if c['isthing']}
    for split in ('train', 'val', 'proxy_train', 'proxy_val'):
        with open(
                osp.join(root, 'annotations', f'panoptic_{split}.json'),
                encoding='utf-8') as f:
            data = json.load(f)
        parts.append(f"{split} {len(data['images'])}")
        if split not in ('train', 'val'):
            continue
        for ann in data['annotations']:
            for seg in ann['segments_info']:
                seg_counts[names[seg['category_id']]] += 1
                if seg['category_id'] in things:
                    sizes.append(max(seg['bbox'][2:]))
    per_class = ', '.join(f'{names[c]} {seg_counts[names[c]]}'
                          for c in sorted(names, key=list(names).index))
    sizes = np.asarray(sizes)
    size_txt = (f'thing bbox max side min/median/max '
                f'{sizes.min()}/{int(np.median(sizes))}/{sizes.max()} px, '
                f'{np.mean(sizes < 16) * 100:.0f}% < 16 px'
                if sizes.size else 'no things')
    return (f"{root}: images {', '.join(parts)}; segments (train+val): "
            f'{per_class}; {size_txt}')


__all__ = [
    'SyntheticOptions', 'generate_synthetic_panoptic',
    'ensure_synthetic_panoptic', 'is_synthetic_panoptic', 'dataset_summary',
    'categories', 'render_image', 'synthetic_classes', 'default_root',
    'THING_CLASSES', 'STUFF_CLASSES', 'VARIANTS', 'DEFAULT_VARIANT',
    'GENERATOR_VERSION'
]
