"""What `experiments.bench_explore` measures: the live explorer's speed.

- Server side: the time to draw one frame (`Renderer.frame_png`: the
  generator on one view, PNG encoding), for the demo's generator (1s-S-deep
  at quarter width, 64x64) and the full-width 2s-E at 64x64, in interleaved
  rounds.
- In the browser (headless Chromium through Playwright): the time from a
  slider's input event to the new picture shown (`explorer.lastLatency` of
  the page), one move after another.
- Under load: 8 clients on loopback asking for frames at once, a bounded
  number each; every answer is checked against the frame drawn alone, and
  the median time per request is compared with one client's.

Weights do not change the speed, so the generators are built fresh (200
chairs, as the demo), unless a run is given. Nothing here loads TensorFlow
at import.
"""

import dataclasses
import http.client
import io
import statistics
import threading
import time
import urllib.parse

import numpy as np

from gen import settings
from gen.settings import setting

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
GENERATORS = {
    "demo 1s-S-deep x0.25": {"variant": "1s-S-deep", "width": 0.25},
    "2s-E x1": {"variant": "2s-E", "width": 1.0},
}


@dataclasses.dataclass(frozen=True)
class ExploreBenchConfig:
    """The explorer's frame times."""

    rounds: int = setting(30, "Server-side frames timed per generator.")
    moves: int = setting(30, "Slider moves timed in the browser per generator.")
    clients: int = setting(8, "Clients of the load test.")
    requests_per_client: int = setting(10, "Frames each client asks for, per round.")
    load_rounds: int = setting(5, "Rounds of the load test (1 client, then all).")
    time_limit: float = setting(180.0, "Seconds the load test may take at most.")
    chromium: str = setting("/usr/bin/chromium", "The Chromium to drive.")
    screenshot: str | None = setting(
        None, "Also save a screenshot of the page (PNG) of --workdir here."
    )
    workdir: str | None = setting(
        None, "A run to show instead of the fresh demo generator (its weights)."
    )

    def __post_init__(self):
        settings.check_positive_ints(
            self, "rounds", "moves", "clients", "requests_per_client", "load_rounds"
        )
        settings.check_positive_numbers(self, "time_limit")


def build(variant, width, num_classes=200, resolution=64):
    from gen.models import chairs_generator

    return chairs_generator.build_generator(
        chairs_generator.GeneratorConfig(
            num_classes=num_classes,
            resolution=resolution,
            variant=variant,
            width=width,
        ),
        dtype="float32",
    )


def random_views(seed, count, num_classes):
    from gen.explore.live.requests import View

    rng = np.random.default_rng(seed)
    return [
        View(
            chair=int(rng.integers(num_classes)),
            azimuth=float(np.round(rng.uniform(0, 360), 1)),
            elevation=float(np.round(rng.uniform(15, 35), 1)),
            theta=(0.0,) * 8,
        )
        for _ in range(count)
    ]


def query(view):
    return urllib.parse.urlencode(
        {"chair": view.chair, "azimuth": view.azimuth, "elevation": view.elevation}
    )


def library_frame(drawer, view):
    """The frame of `view` from `generator_io.generate` itself (eager)."""
    from gen.models import generator_io
    from gen.pictures import grids

    rgb, mask = generator_io.generate(
        drawer.model,
        generator_io.generator_inputs(
            drawer.model,
            classes=[view.chair],
            azimuths=[view.azimuth],
            elevations=[view.elevation],
        ),
    )
    image = grids.to_uint8(grids.on_white(rgb, mask))[0]
    return np.concatenate([image, grids.as_rgb(grids.to_uint8(mask))[0]], axis=1)


def server_times(renderers, rounds):
    """{name: [seconds per frame]} in interleaved rounds."""
    from gen.benchmarks import timing

    views = {
        name: iter(random_views(1, rounds + 2, r.num_classes))
        for name, r in renderers.items()
    }
    return timing.interleaved_times(
        {
            name: (lambda r=r, n=name: r.frame_png(next(views[n])))
            for name, r in renderers.items()
        },
        rounds=rounds,
        warmup=2,
    )


_MOVE = """async (azimuth) => {
    explorer.set("azimuth", azimuth);
    await new Promise((done) => {
        const check = () => explorer.shown && explorer.shown.query === explorer.eventQuery
            ? done() : setTimeout(check, 0);
        check();
    });
    return explorer.lastLatency;
}"""


def browser_latencies(browser, url, moves, screenshot=None):
    """Milliseconds from a slider event to its picture, `moves` times."""
    page = browser.new_page()
    try:
        page.goto(url)
        page.wait_for_function("explorer.shown !== null")
        out = []
        for k in range(moves + 2):
            latency = page.evaluate(_MOVE, round(3.7 + 11.3 * k, 1) % 360)
            if k >= 2:  # the first moves warm the page up
                out.append(latency)
        if screenshot:
            page.locator("#slider-azimuth").fill("33")
            page.wait_for_function(
                "explorer.shown && explorer.shown.query === explorer.eventQuery"
            )
            _save_small(page.screenshot(full_page=True), screenshot)
        return out
    finally:
        page.close()


def _save_small(png, path):
    """A screenshot in 256 colours (a quarter of the bytes), written
    atomically."""
    from PIL import Image

    from gen.pictures import atomic_files

    picture = Image.open(io.BytesIO(png)).convert("RGB")
    small = picture.quantize(
        colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
    )
    with atomic_files.atomic_path(path, ".png") as temporary:
        small.save(temporary, format="PNG", optimize=True)


def _client(url, views, results, deadline):
    where = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=60)
    try:
        for view in views:
            if time.monotonic() > deadline:
                break
            start = time.perf_counter()
            connection.request("GET", "/api/frame.png?" + query(view))
            response = connection.getresponse()
            body = response.read()
            results.append((view, response.status, body, time.perf_counter() - start))
    finally:
        connection.close()


def load_test(url, renderer, clients, per_client, time_limit, rounds=3):
    """One client, then `clients` at once, in `rounds` alternating rounds
    of `per_client` requests per client (the machine's drift cancels in
    each round's ratio). Returns (single-client medians, loaded medians,
    same-round ratios of the two, wrong answers, loaded answers, frames per
    generator call when loaded), times in seconds; an answer is wrong
    unless it equals the frame drawn alone."""
    from PIL import Image

    deadline = time.monotonic() + time_limit

    def phase(count, seed):
        results = [[] for _ in range(count)]
        threads = [
            threading.Thread(
                target=_client,
                args=(
                    url,
                    random_views(seed + c, per_client, renderer.num_classes),
                    results[c],
                    deadline,
                ),
            )
            for c in range(count)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return [r for rs in results for r in rs]

    singles, loads, answers, calls = [], [], [], []
    for k in range(rounds):
        single = phase(1, 1000 * k)
        before = len(renderer.frames.batch_sizes)
        loaded = phase(clients, 1000 * k + 1)
        calls += renderer.frames.batch_sizes[before:]
        if not single or not loaded:
            break  # out of time
        singles.append(statistics.median(r[3] for r in single))
        loads.append(statistics.median(r[3] for r in loaded))
        answers += loaded
    wrong = 0
    for view, status, body, _ in answers:
        frame = (
            np.asarray(Image.open(io.BytesIO(body)).convert("RGB"))
            if status == 200
            else None
        )
        if frame is None or not np.array_equal(frame, renderer.frame(view)):
            wrong += 1
    ratios = [b / a for a, b in zip(singles, loads)]
    per_call = len(answers) / max(len(calls), 1)
    return singles, loads, ratios, wrong, len(answers), per_call


def run(config, echo=print):
    """Measures and prints the three tables."""
    from playwright.sync_api import sync_playwright

    from gen.benchmarks import timing
    from gen.explore.live import app, explorer, opening, renderer, serve

    renderers, opened = {}, {}
    if config.workdir:
        shown = opening.open_generator(workdir=config.workdir)
        renderers["run " + config.workdir] = explorer.make_renderer(shown)
        opened["run " + config.workdir] = shown
    for name, settings_ in GENERATORS.items():
        model = build(**settings_)
        renderers[name] = renderer.Renderer(model)
        opened[name] = opening.Opened(model=model, workdir=None, origin=name)
    echo(f"server side: {config.rounds} frames per generator, interleaved")
    times = server_times(renderers, config.rounds)
    rows = [
        [name, f"{1000 * statistics.median(ts):.1f}", f"{1000 * min(ts):.1f}"]
        for name, ts in times.items()
    ]
    echo(timing.format_table(["generator", "median ms/frame", "min ms"], rows))
    for name, drawer in renderers.items():
        views = random_views(5, 4, drawer.num_classes)
        same = sum(
            np.array_equal(drawer.frame(v), library_frame(drawer, v)) for v in views
        )
        echo(f"{name}: {same} of {len(views)} frames equal to generator_io.generate's")

    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=config.chromium, args=CHROMIUM_ARGS
        )
        try:
            for name, drawer in renderers.items():
                web = app.create_app(
                    drawer, opened[name], explorer.can_sample_new_chairs(drawer)
                )
                with serve.in_thread(web) as url:
                    shot = config.screenshot if name.startswith("run ") else None
                    ms = browser_latencies(browser, url, config.moves, shot)
                rows.append([name, f"{statistics.median(ms):.1f}", f"{max(ms):.1f}"])
        finally:
            browser.close()
    echo(f"\nin the browser: slider event to picture shown, {config.moves} moves")
    echo(timing.format_table(["generator", "median ms", "max ms"], rows))
    if config.screenshot and config.workdir:
        echo(f"wrote {config.screenshot}")

    name = next(n for n in renderers if not n.startswith("run "))
    web = app.create_app(renderers[name], opened[name], new_chair=False)
    with serve.in_thread(web) as url:
        singles, loads, ratios, wrong, answers, per_call = load_test(
            url,
            renderers[name],
            config.clients,
            config.requests_per_client,
            config.time_limit,
            config.load_rounds,
        )
    echo(f"\nload test ({name}), rounds of 1 client then {config.clients} at once")
    rows = [
        [k + 1, f"{1000 * a:.1f}", f"{1000 * b:.1f}", f"{r:.2f}x"]
        for k, (a, b, r) in enumerate(zip(singles, loads, ratios))
    ]
    echo(
        timing.format_table(
            ["round", "1 client ms", f"{config.clients} clients ms", "ratio"], rows
        )
    )
    echo(
        f"median ratio {statistics.median(ratios):.2f}x (target under 4x); "
        f"{answers - wrong} of {answers} answers equal to the frame drawn alone; "
        f"{per_call:.1f} frames per generator call under load"
    )
    return {"server": times, "ratios": ratios, "wrong": wrong}
