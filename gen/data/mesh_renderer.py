"""Rendering a `gen.data.mesh_models.Model` at the chairs views with OpenGL.

moderngl draws on a headless EGL context (Mesa's llvmpipe software
rasteriser where there is no GPU: `libegl1 libegl-mesa0 libgl1-mesa-dri`);
each process makes its own context on first use. Mesa's llvmpipe crashes
(segmentation fault) in a process that has loaded TensorFlow, whose own
LLVM clashes with it, so such a process renders in worker processes
(`gen.data.mesh_render_jobs`); `render_model` refuses to run in it.

The pictures follow the synthetic chairs' conventions (`gen.data.ray_caster`):

- Views: azimuth about the model's up axis (+Y), 0 looking at its front
  (+Z); the camera sits in the direction (sin a cos e, sin e, cos a cos e)
  from the centre of the model's bounding box and looks at that centre.
- Framing: perspective, the camera `CAMERA_DISTANCE` bounding-sphere radii
  away, with the field of view at which that sphere just fits the square
  frame (half-angle asin(1 / CAMERA_DISTANCE)). The rule is the same for
  every model and every view, so a model is framed the same way from all 62
  views and every model fills the frame by its own proportions.
- Shading: the ray caster's fixed lights (`ray_caster.AMBIENT`,
  `ray_caster.LIGHTS`), in the model's frame, Lambertian on the diffuse
  colour or texture; faces are lit on the side the camera sees (CAD models'
  normals often point inwards). Transparent materials are blended over what
  is behind them with their opacity, after the opaque ones, and count as
  covering in the mask.
- Antialiasing and masks: each view is drawn at `SUPERSAMPLE` times the
  resolution and box-averaged down. The mask is 1 where the model covers at
  least half of the pixel's samples; pixels outside the mask are exactly
  white.
"""

import sys

import numpy as np

from gen.data import ray_caster

SUPERSAMPLE = 4  # samples per pixel side
CAMERA_DISTANCE = 3.0  # in bounding-sphere radii

_VERTEX_SHADER = """
#version 330
uniform mat4 mvp;
in vec3 in_position;
in vec3 in_normal;
in vec2 in_uv;
out vec3 normal;
out vec2 uv;
out vec3 position;
void main() {
    gl_Position = mvp * vec4(in_position, 1.0);
    normal = in_normal;
    uv = in_uv;
    position = in_position;
}
"""

_FRAGMENT_SHADER = """
#version 330
uniform vec3 color;
uniform float opacity;
uniform bool textured;
uniform sampler2D texture0;
uniform vec3 eye;
uniform float ambient;
uniform vec3 light_directions[2];
uniform float light_intensities[2];
in vec3 normal;
in vec2 uv;
in vec3 position;
layout(location = 0) out vec4 out_color;
layout(location = 1) out vec4 out_coverage;
void main() {
    vec3 n = normalize(normal);
    // Light the side the camera sees.
    if (dot(n, eye - position) < 0.0) n = -n;
    float light = ambient;
    for (int i = 0; i < 2; ++i)
        light += light_intensities[i] * max(0.0, dot(n, light_directions[i]));
    vec3 albedo = textured ? texture(texture0, uv).rgb : color;
    out_color = vec4(min(albedo * light, vec3(1.0)), opacity);
    out_coverage = vec4(1.0);
}
"""


def camera_position(center, radius, azimuth, elevation):
    """Where the camera is for a view (degrees), `CAMERA_DISTANCE` radii away."""
    a, e = np.radians(azimuth), np.radians(elevation)
    back = np.array([np.sin(a) * np.cos(e), np.sin(e), np.cos(a) * np.cos(e)])
    return np.asarray(center, float) + CAMERA_DISTANCE * radius * back


def view_projection(center, radius, azimuth, elevation):
    """(4, 4) matrix from model coordinates to clip space for one view."""
    eye = camera_position(center, radius, azimuth, elevation)
    forward = np.asarray(center, float) - eye
    forward /= np.linalg.norm(forward)
    right = np.cross(forward, [0.0, 1.0, 0.0])
    right /= np.linalg.norm(right)
    up = np.cross(right, forward)
    view = np.eye(4)
    view[0, :3], view[1, :3], view[2, :3] = right, up, -forward
    view[:3, 3] = -view[:3, :3] @ eye
    distance = CAMERA_DISTANCE * radius
    near, far = distance - 1.01 * radius, distance + 1.01 * radius
    focal = 1 / np.tan(np.arcsin(1 / CAMERA_DISTANCE))
    projection = np.zeros((4, 4))
    projection[0, 0] = projection[1, 1] = focal
    projection[2, 2] = -(far + near) / (far - near)
    projection[2, 3] = -2 * far * near / (far - near)
    projection[3, 2] = -1
    return projection @ view


def framing(model):
    """(center, radius): the bounding box's centre and its half diagonal."""
    low, high = model.bounds
    return (low + high) / 2, float(np.linalg.norm(high - low) / 2) or 1.0


_CONTEXT = None


def _context():
    """This process's headless OpenGL context, made on first use."""
    global _CONTEXT
    if _CONTEXT is None:
        import moderngl

        if "tensorflow" in sys.modules:
            raise RuntimeError(
                "OpenGL rendering with Mesa's llvmpipe crashes in a process that "
                "has loaded TensorFlow: render in a worker process "
                "(gen.data.mesh_render_jobs)."
            )

        _CONTEXT = moderngl.create_context(standalone=True, backend="egl")
    return _CONTEXT


class _Drawables:
    """A model's parts uploaded to the GPU; released on `release`."""

    def __init__(self, ctx, program, model):
        self.items = []
        for part in model.parts:
            n = len(part.positions)
            uvs = part.uvs if part.uvs is not None else np.zeros((n, 2), np.float32)
            data = np.concatenate([part.positions, part.normals, uvs], axis=1)
            buffer = ctx.buffer(np.ascontiguousarray(data, np.float32).tobytes())
            vao = ctx.vertex_array(
                program, [(buffer, "3f 3f 2f", "in_position", "in_normal", "in_uv")]
            )
            texture = None
            if part.texture is not None:
                image = np.ascontiguousarray(part.texture[::-1])  # GL rows go up
                texture = ctx.texture(image.shape[1::-1], 3, image.tobytes())
                texture.build_mipmaps()
                texture.repeat_x = texture.repeat_y = True
            self.items.append((part, buffer, vao, texture))

    def release(self):
        for _, buffer, vao, texture in self.items:
            vao.release()
            buffer.release()
            if texture is not None:
                texture.release()


def render_model(model, azimuths, elevations, resolution):
    """Images and masks of `model` at the given views.

    Args:
      model: a `gen.data.mesh_models.Model`.
      azimuths, elevations: (V,) degrees.
      resolution: the output size R in pixels.

    Returns:
      images: (V, R, R, 3) uint8, the model on white.
      masks: (V, R, R, 1) uint8 in {0, 1}.
    """
    import moderngl

    ctx = _context()
    size = resolution * SUPERSAMPLE
    program = ctx.program(
        vertex_shader=_VERTEX_SHADER, fragment_shader=_FRAGMENT_SHADER
    )
    color = ctx.renderbuffer((size, size), 4, dtype="f1")
    coverage = ctx.renderbuffer((size, size), 1, dtype="f1")
    depth = ctx.depth_renderbuffer((size, size))
    fbo = ctx.framebuffer([color, coverage], depth)
    # A clear sets every attachment alike: the coverage one is cleared alone.
    coverage_only = ctx.framebuffer([coverage])
    drawables = _Drawables(ctx, program, model)
    center, radius = framing(model)
    directions = [
        np.asarray(d, float) / np.linalg.norm(d) for d, _ in ray_caster.LIGHTS
    ]
    program["ambient"].value = ray_caster.AMBIENT
    program["light_directions"].write(np.asarray(directions, np.float32).tobytes())
    program["light_intensities"].write(
        np.asarray([i for _, i in ray_caster.LIGHTS], np.float32).tobytes()
    )
    images, masks = [], []
    try:
        fbo.use()
        ctx.enable(moderngl.DEPTH_TEST | moderngl.BLEND)
        ctx.blend_func = moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA
        for azimuth, elevation in zip(azimuths, elevations):
            mvp = view_projection(center, radius, azimuth, elevation)
            program["mvp"].write(mvp.T.astype(np.float32).tobytes())
            program["eye"].value = tuple(
                camera_position(center, radius, azimuth, elevation)
            )
            fbo.clear(1.0, 1.0, 1.0, 1.0, depth=1.0)
            coverage_only.clear(0.0, 0.0, 0.0, 0.0)
            fbo.use()
            # Opaque parts first, then the transparent ones over them without
            # writing depth (so that glass does not hide what is behind it).
            for transparent in (False, True):
                fbo.depth_mask = not transparent
                for part, _, vao, texture in drawables.items:
                    if (part.opacity < 1) != transparent:
                        continue
                    program["color"].value = tuple(part.color)
                    program["opacity"].value = float(part.opacity)
                    program["textured"].value = texture is not None
                    if texture is not None:
                        texture.use(0)
                        program["texture0"].value = 0
                    vao.render(moderngl.TRIANGLES)
            fbo.depth_mask = True
            rgb = np.frombuffer(fbo.read(components=3, attachment=0), np.uint8)
            cover = np.frombuffer(fbo.read(components=1, attachment=1), np.uint8)
            images.append(rgb.reshape(size, size, 3)[::-1])
            masks.append(cover.reshape(size, size)[::-1])
    finally:
        drawables.release()
        coverage_only.release()
        fbo.release()
        color.release()
        coverage.release()
        depth.release()
        program.release()
    return _reduce(np.stack(images), np.stack(masks), resolution)


def _reduce(images, coverage, resolution):
    """Box-average supersampled views to `resolution`; the exact mask."""
    v, s = len(images), SUPERSAMPLE
    shape = (v, resolution, s, resolution, s)
    covered = (coverage > 127).reshape(shape).mean(axis=(2, 4))
    masks = (covered >= 0.5).astype(np.uint8)[..., None]
    mean = images.reshape(shape + (3,)).mean(axis=(2, 4))
    images = np.round(mean).astype(np.uint8)
    images = np.where(masks == 1, images, np.uint8(255))
    return images, masks
