"""Pictures written whole: PNG exactly, GIF frames within their palette's
rounding."""

import numpy as np
from PIL import Image

from gen.pictures import atomic_files


def _frames(count=12, size=48):
    """Shaded colour gradients that turn, as a turntable's frames do."""
    y, x = np.mgrid[0:size, 0:size] / (size - 1)
    frames = []
    for t in range(count):
        angle = 2 * np.pi * t / count
        r = 0.5 + 0.5 * np.cos(angle) * x
        g = y
        b = 0.5 + 0.5 * np.sin(angle) * (1 - x * y)
        frame = np.stack([r, g, b], -1)
        frame[:, : size // 4] = 1.0  # a white background, as behind chairs
        frames.append(frame)
    return np.stack(frames).astype(np.float32)


def test_gif_frames_round_trip_within_the_palette_error(tmp_path):
    frames = _frames()
    path = atomic_files.write_gif(str(tmp_path / "turn.gif"), frames, frame_ms=40)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["turn.gif"]
    expected = np.round(frames * 255).astype(int)
    with Image.open(path) as gif:
        assert gif.n_frames == len(frames)
        assert gif.info["loop"] == 0 and gif.info["duration"] == 40
        errors = []
        for k in range(gif.n_frames):
            gif.seek(k)
            got = np.asarray(gif.convert("RGB")).astype(int)
            errors.append(np.abs(got - expected[k]).mean())
            # The background stays white (a coarse palette makes it grey).
            assert (got[:, :12] == 255).all()
    # Pillow's median cut, 256 colours a frame: about 2 levels of 255 on
    # smooth gradients.
    assert max(errors) < 3, errors


def test_png_is_exact(tmp_path):
    image = (np.arange(5 * 7 * 3).reshape(5, 7, 3) % 256).astype(np.uint8)
    path = atomic_files.write_png(str(tmp_path / "a.png"), image)
    with Image.open(path) as png:
        np.testing.assert_array_equal(np.asarray(png), image)
