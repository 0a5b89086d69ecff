"""The explorer's pictures: a generator, its chairs' real views and the
"new chair" sampler, drawn on request as PNG and GIF bytes.

Every picture is `gen.models.generator_io.generate` of the request's
inputs, shown on white (`gen.pictures.grids.on_white`) and converted with
`grids.to_uint8`; a frame is that image and the mask (grey) side by side,
``R x 2R`` pixels, so that the page gets both in one answer.
"""

import io
import threading

import keras
import numpy as np

from gen.data import chair_views
from gen.explore import style_sampling
from gen.explore.live import frame_batching, requests
from gen.models import generator_io
from gen.pictures import atomic_files, grids

# The layer "new chair" samples, as experiments.sample does by default.
NEW_CHAIR_LAYER = "class_fc2"
THUMBNAIL_AZIMUTH = 30.0
GIF_FRAME_MS = 60
GIF_MIN_SIZE = 128  # GIF frames are enlarged (nearest) to at least this
# The most frames of waiting requests drawn in one generator call: eight
# pages dragging at once share a call.
FRAMES_PER_CALL = 8


def png_bytes(image):
    """(H, W, 3) or (H, W, 1) uint8 as PNG bytes."""
    out = io.BytesIO()
    atomic_files.save_png(out, image)
    return out.getvalue()


def gif_bytes(frames, frame_ms=GIF_FRAME_MS):
    """(T, H, W, 3) uint8 as a looping GIF (256 colours per frame)."""
    out = io.BytesIO()
    atomic_files.save_gif(out, frames, frame_ms)
    return out.getvalue()


class CompiledCall:
    """A Keras model called as `generator_io.call_batches` calls it, with
    TensorFlow's per-op eager overhead gone: one `tf.function` traced once
    for any batch size. On the TensorFlow backend a frame of the demo's
    generator takes a fraction of the eager call's time, with the same
    kernels (tests compare the pixels with `generator_io.generate`); other
    backends use `call_batches` itself.
    """

    def __init__(self, model):
        self.model = model
        self._function = None
        if keras.backend.backend() == "tensorflow":
            import tensorflow as tf

            signature = {
                name: tf.TensorSpec((None,) + tuple(x.shape[1:]), tf.float32, name=name)
                for name, x in model.input.items()
            }
            self._function = tf.function(
                lambda inputs: model(inputs, training=False),
                input_signature=[signature],
            )

    def __call__(self, inputs, batch_size=64):
        """{name: float32 numpy} outputs of `inputs` (a dict of arrays), in
        calls of `batch_size` rows as `generator_io.call_batches`."""
        if self._function is None:
            return generator_io.call_batches(self.model, inputs, batch_size)
        parts = []
        for batch, rows in generator_io.padded_batches(inputs, batch_size):
            out = self._function(batch)
            parts.append(
                ({k: np.asarray(v.numpy(), np.float32) for k, v in out.items()}, rows)
            )
        return generator_io.concatenate_outputs(parts)


def held_out_rows(data, holdout):
    """Which rows of `data` a run held out under `holdout`; the rule of
    `gen.data.splits.select` ("eval" rows), row by row."""
    from gen.data import splits

    views = chair_views.is_heldout_view(data.view_indices)
    targets = splits.is_target_chair(data.chair_ids)
    return {
        "views": views,
        "target_views": views & targets,
        "chairs": targets,
    }.get(holdout, np.zeros(len(data), bool))


class Renderer:
    """Draws what the explorer shows.

    Args:
        model: the generator.
        data: its `ChairsData` (real views beside the generated ones), or
            None.
        holdout: the run's held-out protocol (which real views were held
            out), or None.
        theta_names: the transformation sliders (one per entry of the
            generator's transform input, in order), or () for none.
    """

    def __init__(self, model, data=None, holdout=None, theta_names=()):
        self.model = model
        self.data = data
        self.holdout = holdout
        self.num_classes = int(model.input["class"].shape[-1])
        self.resolution = int(model.output["rgb"].shape[1])
        self.theta_width = (
            int(model.input["transform"].shape[-1]) if "transform" in model.input else 0
        )
        self.theta_names = tuple(theta_names)[: self.theta_width]
        self.elevations = (
            sorted({float(e) for e in data.elevations})
            if data is not None
            else [float(e) for e in chair_views.ELEVATIONS]
        )
        self.held_out = (
            held_out_rows(data, holdout) if data is not None else np.zeros(0, bool)
        )
        self._call = CompiledCall(model)
        # Requests' frames at the same moment share one generator call,
        # where that does not change their pixels.
        self.frames = frame_batching.FrameBatcher(
            self.draw_frames,
            FRAMES_PER_CALL if generator_io.batch_independent() else 1,
            kind=lambda view: view.new is None,
        )
        self._sampler = None
        self._sampler_lock = threading.Lock()

    # Requests ---------------------------------------------------------

    def parse_view(self, query):
        return requests.parse_view(query, **self._view_settings())

    def parse_animation(self, query):
        return requests.parse_animation(query, **self._view_settings())

    def _view_settings(self):
        return {
            "num_classes": self.num_classes,
            "theta_names": self.theta_names,
            "theta_width": self.theta_width,
        }

    # Drawing ----------------------------------------------------------

    def draw(self, views, batch_size=64):
        """(image (N, R, R, 3), mask (N, R, R, 1)) uint8 of `View`s that are
        all new chairs or all chairs of the run, in calls of `batch_size`
        rows (the default draws `generator_io.generate`'s pixels)."""
        transforms = (
            np.array([v.theta for v in views], np.float32) if self.theta_width else None
        )
        azimuths = [v.azimuth for v in views]
        elevations = [v.elevation for v in views]
        if views[0].new is None:
            eye = np.eye(self.num_classes, dtype=np.float32)
            classes = np.stack(
                [(1 - v.morph) * eye[v.chair] + v.morph * eye[v.chair2] for v in views]
            )
            inputs = generator_io.generator_inputs(
                self.model,
                classes=classes,
                azimuths=azimuths,
                elevations=elevations,
                transforms=transforms,
            )
            out = self._call(inputs, batch_size)
        else:
            decoder, styles = self._new_chairs([v.new for v in views])
            inputs = generator_io.generator_inputs(
                self.model,
                classes=np.zeros(len(views), np.int64),  # replaced by the cut
                azimuths=azimuths,
                elevations=elevations,
                transforms=transforms,
            )
            feed = {k: inputs[k] for k in decoder.model.input if k != NEW_CHAIR_LAYER}
            out = decoder({NEW_CHAIR_LAYER: styles, **feed}, batch_size)
        # As generator_io.generate and latent.Cut.decode: clipped to [0, 1].
        rgb, mask = np.clip(out["rgb"], 0, 1), np.clip(out["mask"], 0, 1)
        return grids.to_uint8(grids.on_white(rgb, mask)), grids.to_uint8(mask)

    def _new_chairs(self, seeds):
        """The decoder from `NEW_CHAIR_LAYER` (`latent.Cut.decoder`) and one
        sampled style per seed, each the first sample `experiments.sample
        --seed=SEED` draws."""
        from gen.explore import latent

        with self._sampler_lock:
            if self._sampler is None:
                chairs = style_sampling.training_chairs(self.num_classes, self.holdout)
                activations = style_sampling.style_activations(
                    self.model, NEW_CHAIR_LAYER, chairs
                )
                self._sampler = (
                    CompiledCall(latent.cut(self.model, NEW_CHAIR_LAYER).decoder),
                    style_sampling.fit_gaussian(activations),
                )
        decoder, fit = self._sampler
        styles = np.concatenate([style_sampling.sample(fit, 1, s) for s in seeds])
        return decoder, styles

    def draw_frames(self, views):
        """image | mask, (R, 2R, 3) uint8, of each of `views` (all alike)."""
        images, masks = self.draw(views)
        return list(np.concatenate([images, grids.as_rgb(masks)], axis=2))

    def frame(self, view):
        """The page's picture of one `View`: image | mask, (R, 2R, 3) uint8,
        drawn with the frames other requests ask for at the same time."""
        return self.frames(view)

    def frame_png(self, view):
        return png_bytes(self.frame(view))

    def image_png(self, view):
        """The generated chair on white alone, (R, R) pixels, as PNG."""
        return png_bytes(self.frame(view)[:, : self.resolution])

    def animation_views(self, animation):
        """The `View` of every frame of an `Animation`."""
        import dataclasses

        n, view = animation.frames, animation.view
        if animation.kind == "turntable":
            return [
                dataclasses.replace(view, azimuth=float(a))
                for a in generator_io.turntable_azimuths(n)
            ]
        return [dataclasses.replace(view, morph=k / (n - 1)) for k in range(n)]

    def animation_frames(self, animation):
        """(T, S, S, 3) uint8: the images of `animation_views`, enlarged
        (nearest) by `gif_scale`."""
        images, _ = self.draw(self.animation_views(animation))
        return grids.enlarge(images, self.gif_scale)

    @property
    def gif_scale(self):
        return grids.tile_scale(self.resolution, GIF_MIN_SIZE)

    def animation_gif(self, animation):
        return gif_bytes(self.animation_frames(animation))

    def thumbnails(self, chairs=None):
        """Every chair (or `chairs`) at a three-quarter view, one row of
        ``R x R`` tiles, uint8."""
        chairs = range(self.num_classes) if chairs is None else chairs
        views = [
            requests.View(
                chair=c,
                azimuth=THUMBNAIL_AZIMUTH,
                elevation=self.elevations[0],
                theta=(0.0,) * self.theta_width,
            )
            for c in chairs
        ]
        images, _ = self.draw(views)
        return np.concatenate(list(images), axis=1)

    def real_png(self, row):
        """The real view in row `row` of the data, as PNG."""
        if self.data is None or not 0 <= row < len(self.data):
            raise requests.BadRequest(f"no real view {row}.")
        return png_bytes(self.data.images[row])

    def real_views(self):
        """Per chair, its real views: [row, azimuth, elevation, held out]."""
        if self.data is None:
            return None
        views = [[] for _ in range(self.num_classes)]
        for row, (c, a, e, h) in enumerate(
            zip(
                self.data.chair_ids.tolist(),
                self.data.azimuths.tolist(),
                self.data.elevations.tolist(),
                self.held_out.tolist(),
            )
        ):
            views[c].append([row, round(a, 3), round(e, 3), bool(h)])
        return views


def nearest_view(views, azimuth, elevation):
    """The entry of `views` ([row, azimuth, elevation, held out] lists)
    nearest to the given angles: the smallest squared sum of the azimuth
    difference around the circle and the elevation difference (the page's
    rule, `explorer.js`)."""
    best, best_distance = None, None
    for view in views:
        d_az = abs((view[1] - azimuth) % 360.0)
        d_az = min(d_az, 360.0 - d_az)
        distance = d_az**2 + (view[2] - elevation) ** 2
        if best is None or distance < best_distance:
            best, best_distance = view, distance
    return best
