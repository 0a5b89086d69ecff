"""The explorer page in a real browser (headless Chromium through
Playwright): every slider redraws, and what the page shows is exactly
`gen.models.generator_io.generate`'s pixels; the nearest real view's label;
the PNG and GIF buttons; the last slider position wins; the exported folder
opened from disk."""

import base64
import io

import numpy as np
import pytest
from PIL import Image

from tests.gen.explore.live import chromium

SETTLED = "explorer.shown && explorer.shown.query === explorer.eventQuery"


@pytest.fixture(scope="module")
def served(tiny_run):
    """The live explorer of the tiny run on loopback: (url, renderer)."""
    from gen.data import augment
    from gen.explore.live import app, explorer, opening, renderer, serve

    opened = opening.open_generator(workdir=tiny_run)
    plain = explorer.make_renderer(opened)
    # The tiny run trained without --augment, but its generator takes the 8
    # theta inputs: show their sliders as for a run trained with it.
    drawer = renderer.Renderer(opened.model, plain.data, plain.holdout, augment.NAMES)
    with serve.in_thread(app.create_app(drawer, opened)) as url:
        yield url, drawer


@pytest.fixture(scope="module")
def browser():
    with chromium.browser() as launched:
        yield launched


@pytest.fixture
def page(browser):
    opened = browser.new_page(accept_downloads=True)
    # The page's load waits for its first frames, drawn by the server in this
    # test's process: with `make test`'s four workers on 2 cores compiling
    # beside it, that once took longer than Playwright's 30 s default.
    opened.set_default_navigation_timeout(120_000)
    yield opened
    opened.close()


def expected(
    drawer, chair=0, chair2=0, morph=0.0, azimuth=30.0, elevation=20.0, theta=None
):
    """The library's picture, image | mask (R, 2R, 3) uint8."""
    from gen.models import generator_io
    from gen.pictures import grids

    model = drawer.model
    eye = np.eye(drawer.num_classes, dtype=np.float32)
    theta = np.zeros(8, np.float32) if theta is None else np.asarray(theta, np.float32)
    rgb, mask = generator_io.generate(
        model,
        generator_io.generator_inputs(
            model,
            classes=((1 - morph) * eye[chair] + morph * eye[chair2])[None],
            azimuths=[azimuth],
            elevations=[elevation],
            transforms=theta[None],
        ),
    )
    image = grids.to_uint8(grids.on_white(rgb, mask))[0]
    return np.concatenate([image, grids.as_rgb(grids.to_uint8(mask))[0]], axis=1)


def decode(data):
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def shown(page):
    """The picture the page shows now (the bytes behind its big views)."""
    page.wait_for_function(SETTLED)
    data = page.evaluate(
        """async () => {
            const bytes = new Uint8Array(await (await fetch(explorer.shown.src)).arrayBuffer());
            let text = "";
            for (const b of bytes) text += String.fromCharCode(b);
            return btoa(text);
        }"""
    )
    return decode(base64.b64decode(data))


def on_screen(page, resolution):
    """The big generated view as displayed, one sample per generated pixel."""
    shot = decode(page.locator("#image").screenshot())
    step = 256 // resolution
    return shot[1 + step // 2 :: step, 1 + step // 2 :: step][:resolution, :resolution]


def nearest_label(page):
    return page.locator("#nearest").inner_text()


@pytest.mark.slow(seconds=12)
def test_every_slider_draws_the_library_pixels(served, page, tmp_path):
    url, drawer = served
    r = drawer.resolution
    page.goto(url)
    before = shown(page)
    np.testing.assert_array_equal(before, expected(drawer))
    np.testing.assert_array_equal(on_screen(page, r), before[:, :r])
    assert page.locator(".thumb").count() == 3
    assert "generator.keras after 12 steps" in page.locator("#run").inner_text()
    assert "held-out views: " in page.locator("#scores").inner_text()

    state = {}
    moves = [
        ("#slider-azimuth", "118", {"azimuth": 118.0}),
        ("#slider-elevation", "45", {"elevation": 45.0}),
        ("#chair-2", None, {"chair": 2}),
        ("#slider-morph", "0.6", {"chair2": 1, "morph": 0.6}),
    ] + [
        (f"#slider-theta{k}", "0.7", {"theta": [0.7] * (k + 1) + [0.0] * (7 - k)})
        for k in range(8)
    ]
    for selector, value, change in moves:
        if value is None:
            page.click(selector)
        else:
            page.locator(selector).fill(value)
        state.update(change)
        now = shown(page)
        assert not np.array_equal(now, before), selector
        np.testing.assert_array_equal(now, expected(drawer, **state), err_msg=selector)
        before = now
        if selector == "#slider-azimuth":
            # Synthetic views: azimuths floor(360 j / 31); 116 is j = 10, held
            # out (j % 5 == 0) under the run's --holdout=views.
            assert nearest_label(page) == (
                "nearest real view of chair 0: azimuth 116°, elevation 20°, held out"
            )
        if selector == "#slider-elevation":
            assert page.locator("#value-elevation").inner_text() == "45° extrapolation"
            assert nearest_label(page) == (
                "nearest real view of chair 0: azimuth 116°, elevation 30°, held out"
            )
        if selector == "#slider-morph":
            # Chair B (1) weighs more: its nearest view.
            assert nearest_label(page).startswith("nearest real view of chair 1:")
    np.testing.assert_array_equal(on_screen(page, r), before[:, :r])
    page.screenshot(path=str(tmp_path / "explorer.png"))
    assert (tmp_path / "explorer.png").stat().st_size > 10_000


@pytest.mark.slow(seconds=6)
def test_buttons_and_the_last_position_wins(served, page):
    url, drawer = served
    page.goto(url)
    page.click("#chair-1")
    first = shown(page)
    np.testing.assert_array_equal(first, expected(drawer, chair=1))

    # 40 moves at once: stale positions are dropped, the last one is drawn.
    frames = page.evaluate("explorer.frames")
    page.evaluate("for (let i = 0; i < 40; i++) explorer.set('azimuth', 5 * i)")
    now = shown(page)
    assert page.evaluate("explorer.frames") - frames < 40
    assert page.evaluate("explorer.shown.view.azimuth") == "195"
    np.testing.assert_array_equal(now, expected(drawer, chair=1, azimuth=195.0))

    with page.expect_download() as png:
        page.click("#save-png")
    saved = decode(open(png.value.path(), "rb").read())
    np.testing.assert_array_equal(saved, now[:, : drawer.resolution])

    # The GIF's frames are the play button's: azimuths k * 10 degrees.
    with page.expect_download() as gif:
        page.click("#save-turntable")
    assert gif.value.suggested_filename == "chair_1_az195_el20_turntable.gif"
    scale = drawer.gif_scale
    with Image.open(gif.value.path()) as animation:
        assert animation.n_frames == 36
        frames = []
        for k in range(36):
            animation.seek(k)
            frames.append(np.asarray(animation.convert("RGB"))[::scale, ::scale])
    turntable = [
        expected(drawer, chair=1, azimuth=10.0 * k)[:, : drawer.resolution]
        for k in range(36)
    ]
    for k in range(36):
        errors = [np.abs(frames[k].astype(int) - t).mean() for t in turntable]
        assert errors[k] < 3.0, (k, errors[k])  # 256 colours per GIF frame
        assert int(np.argmin(errors)) == k
    # The morph GIF: 36 weights from chair A (1) to chair B (2) at this view.
    page.click("#pick-b")
    page.click("#chair-2")
    page.click("#pick-a")
    with page.expect_download() as gif:
        page.click("#save-morph")
    assert gif.value.suggested_filename == "chair_1_az195_el20_morph.gif"
    with Image.open(gif.value.path()) as animation:
        assert animation.n_frames == 36
        ends = []
        for k in (0, 35):
            animation.seek(k)
            ends.append(np.asarray(animation.convert("RGB"))[::scale, ::scale])
    for frame, chair in zip(ends, (1, 2)):
        errors = [
            np.abs(
                frame.astype(int) - expected(drawer, chair=c, azimuth=195.0)[:, :32]
            ).mean()
            for c in (1, 2)
        ]
        assert errors[chair - 1] < 3.0 and errors[chair - 1] < errors[2 - chair], errors

    page.click("#play")
    page.wait_for_function(
        "explorer.frames >= %d" % (page.evaluate("explorer.frames") + 3)
    )
    page.click("#play")
    played = shown(page)
    azimuth = float(page.evaluate("explorer.shown.view.azimuth"))
    k = round(azimuth / 10)
    assert azimuth == 10 * k
    np.testing.assert_array_equal(played[:, : drawer.resolution], turntable[k % 36])

    page.click("#new-chair")
    new = shown(page)
    assert nearest_label(page) == "new chair #0: no real views"
    np.testing.assert_array_equal(
        new[:, : drawer.resolution], new_chair(drawer, azimuth)
    )


def new_chair(drawer, azimuth):
    """What `experiments.sample --seed=0 --num_samples=1` draws at that view."""
    from gen.explore import style_sampling
    from gen.pictures import grids

    result = style_sampling.new_chairs(
        drawer.model,
        "class_fc2",
        style_sampling.training_chairs(drawer.num_classes, drawer.holdout),
        1,
        0,
        [azimuth],
        [20.0],
    )
    return grids.to_uint8(result.images[0, 0])


@pytest.fixture(scope="module")
def exported(served, tmp_path_factory):
    from gen.explore.live import export, opening

    _, drawer = served
    out = tmp_path_factory.mktemp("export")
    plain = type(drawer)(drawer.model, drawer.data, drawer.holdout)
    opened = opening.Opened(
        model=drawer.model, workdir="tiny", origin="generator.keras"
    )
    # Fewer positions than the default (124 azimuths, 9 morph weights): the
    # same sheets, quicker to draw.
    export.export(
        plain,
        opened,
        str(out),
        chairs=2,
        progress=lambda line: None,
        azimuths=8,
        morph_weights=5,
        morph_stride=2,
    )
    return out, drawer


@pytest.mark.slow(seconds=6)
def test_the_export_works_from_disk(exported, page, tmp_path):
    out, drawer = exported
    r = drawer.resolution
    page.goto((out / "index.html").as_uri())

    def tile():
        page.wait_for_function(SETTLED)
        view = page.evaluate("explorer.shown")
        with Image.open(out / view["src"]) as sheet:
            pixels = np.asarray(sheet.convert("RGB"))
        x, y = view["x"], view["y"]
        return pixels[y : y + r, x : x + 2 * r], view["view"]

    before, view = tile()
    np.testing.assert_array_equal(before, expected(drawer, azimuth=view["azimuth"]))
    for selector, presses in [
        ("#slider-azimuth", 3),
        ("#slider-elevation", 1),
        ("#chair-1", 0),
        ("#slider-morph", 3),
    ]:
        if presses:
            for _ in range(presses):
                page.locator(selector).press("ArrowRight")
        else:
            page.click(selector)
        now, view = tile()
        assert not np.array_equal(now, before), selector
        np.testing.assert_array_equal(
            now,
            expected(
                drawer,
                chair=view["chair"],
                chair2=view["chair2"],
                morph=view["morph"],
                azimuth=view["azimuth"],
                elevation=view["elevation"],
            ),
            err_msg=selector,
        )
        before = now
        if selector == "#slider-elevation":
            assert view["elevation"] == 30
            assert nearest_label(page).startswith(
                "nearest real view of chair 0: azimuth "
            )
    assert view["morph"] == 3 / 4 and view["chair2"] == 0
    assert view["azimuth"] == 4 * 45 and view["elevation"] == 20
    assert page.locator(".thumb").count() == 2
    page.screenshot(path=str(tmp_path / "exported.png"))


def get(url, path):
    """(status, body) of GET `path` sent exactly as written (no
    normalisation of ``../``)."""
    import http.client
    import urllib.parse

    where = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.mark.slow(seconds=2)
def test_bad_requests_get_one_line_and_only_pictures_are_served(served, tiny_run):
    url, _ = served
    for query, message in [
        ("chair=3", "chair must be in 0..2, got 3."),
        ("chair=1.5", "chair must be an integer, got '1.5'."),
        ("azimuth=nan", "azimuth must be a number in [-360, 360], got nan."),
        ("azimuth=1e300", "azimuth must be a number in [-360, 360], got 1e300."),
        ("elevation=inf", "elevation must be a number in [-90, 90], got inf."),
        ("morph=1.5", "morph must be a number in [0, 1], got 1.5."),
        ("morph=-0.1", "morph must be a number in [0, 1], got -0.1."),
        ("log_zoom=2", "log_zoom must be a number in [-1, 1], got 2."),
        ("new=-1", "new must be in 0..2147483647, got -1."),
        ("chair=1&chair=2", "parameter chair given twice."),
        ("size=9", "unknown parameter size; known: chair, chair2, morph, azimuth"),
    ]:
        for route in ("frame.png", "image.png", "animation.gif"):
            status, body = get(url, f"/api/{route}?{query}")
            text = body.decode()
            assert status == 400, (route, query, text)
            assert text.startswith(message) and text.count("\n") == 1, text
    for path, message in [
        ("/api/animation.gif?kind=spin", "kind must be one of turntable, morph"),
        ("/api/animation.gif?frames=1000", "frames must be in 2..124, got 1000."),
        ("/api/animation.gif?new=1&kind=morph", "a new chair has no morph"),
        ("/api/real/999.png", "no real view 999."),
        ("/?x=1", "the page takes no parameters."),
    ]:
        status, body = get(url, path)
        assert (status, body.decode().count("\n")) == (400, 1), (path, body)
        assert body.decode().startswith(message), body

    with open(f"{tiny_run}/heldout_views.png", "rb") as f:
        assert get(url, "/run/heldout_views.png") == (200, f.read())
    assert get(url, "/run/samples/step_0000012.png")[0] == 200
    for path in [
        "/run/../config.json",
        "/run/%2e%2e/config.json",
        "/run/..%2fconfig.json",
        "/run/config.json",
        "/run/checkpoints/checkpoint",
        "/run//etc/passwd",
        "/run/../../../../etc/passwd",
        "/../../etc/passwd",
        "/api/../config.json",
        "/static/explorer.js",
        "/generator.keras",
    ]:
        assert get(url, path) == (404, b"not found\n"), path
