"""The explorer's web app (Starlette): the page, its pictures, the run's
pictures, and nothing else.

    GET /                       the page (`page.render_page`)
    GET /api/frame.png?VIEW     generated image | mask, R x 2R
    GET /api/image.png?VIEW     the generated image alone (a download)
    GET /api/animation.gif?VIEW&kind=turntable|morph&frames=N  (a download)
    GET /api/thumbs.png         every chair, one row
    GET /api/real/ROW.png       a real training view
    GET /run/PATH               a PNG or GIF of the run (`page.run_pictures`)

VIEW is the query of `requests.parse_view`. A bad request gets status 400
and one line of text; any other path 404. Pictures are drawn in Starlette's
thread pool, so requests from many pages overlap; the page itself keeps one
request in flight and asks for the newest slider position when it returns.
"""

import logging

from starlette.applications import Starlette
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from gen.explore.live import page, requests

_NO_STORE = {"Cache-Control": "no-store"}
_log = logging.getLogger(__name__)


def _bad_request(error):
    return PlainTextResponse(str(error) + "\n", status_code=400, headers=_NO_STORE)


def _not_found():
    return PlainTextResponse("not found\n", status_code=404)


def _query(request):
    """The query as a dict; a parameter given twice is a bad request."""
    items = request.query_params.multi_items()
    keys = [k for k, _ in items]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise requests.BadRequest(f"parameter {', '.join(repeated)} given twice.")
    return dict(items)


def _file_name(view, suffix):
    who = f"new_{view.new}" if view.new is not None else f"chair_{view.chair}"
    if view.new is None and view.morph:
        who += f"_to_{view.chair2}_{view.morph:.2f}"
    return f"{who}_az{view.azimuth:g}_el{view.elevation:g}{suffix}"


def create_app(renderer, opened, new_chair=True):
    """The Starlette app of a `renderer.Renderer` and its `opening.Opened`."""
    html = page.render_page(page.page_data(renderer, opened, "live", new_chair))
    thumbs = {}

    def picture(handler):
        """A route whose `BadRequest`s become 400s with one line."""

        def endpoint(request):
            try:
                return handler(request)
            except requests.BadRequest as e:
                return _bad_request(e)

        return endpoint

    def index(request):
        if request.query_params:
            raise requests.BadRequest("the page takes no parameters.")
        return HTMLResponse(html, headers=_NO_STORE)

    def view_of(request):
        view = renderer.parse_view(_query(request))
        if view.new is not None and not new_chair:
            raise requests.BadRequest("this generator has no class_fc2 to sample.")
        return view

    def frame(request):
        return Response(
            renderer.frame_png(view_of(request)),
            media_type="image/png",
            headers=_NO_STORE,
        )

    def image(request):
        view = view_of(request)
        return Response(
            renderer.image_png(view),
            media_type="image/png",
            headers={
                "Content-Disposition": f'attachment; filename="{_file_name(view, ".png")}"'
            },
        )

    def animation(request):
        anim = renderer.parse_animation(_query(request))
        if anim.view.new is not None and not new_chair:
            raise requests.BadRequest("this generator has no class_fc2 to sample.")
        name = _file_name(anim.view, f"_{anim.kind}.gif")
        return Response(
            renderer.animation_gif(anim),
            media_type="image/gif",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    def thumbnails(request):
        from gen.explore.live.renderer import png_bytes

        if "png" not in thumbs:
            thumbs["png"] = png_bytes(renderer.thumbnails())
        return Response(thumbs["png"], media_type="image/png")

    def real(request):
        text = request.path_params["row"]
        if not text.isdigit():
            raise requests.BadRequest(f"no real view {text!r}.")
        return Response(renderer.real_png(int(text)), media_type="image/png")

    def run_picture(request):
        # Only the files the run's folder lists now; a path that is not one
        # of them (../, absolute, a checkpoint) is simply unknown.
        path = page.run_pictures(opened.workdir).get(request.path_params["path"])
        if path is None:
            return _not_found()
        with open(path, "rb") as f:
            body = f.read()
        kind = "image/gif" if path.endswith(".gif") else "image/png"
        return Response(body, media_type=kind, headers=_NO_STORE)

    routes = [
        Route("/", picture(index)),
        Route("/api/frame.png", picture(frame)),
        Route("/api/image.png", picture(image)),
        Route("/api/animation.gif", picture(animation)),
        Route("/api/thumbs.png", picture(thumbnails)),
        Route("/api/real/{row}.png", picture(real)),
        Route("/run/{path:path}", run_picture),
    ]

    async def not_found(request, exc):
        return _not_found()

    async def server_error(request, exc):
        _log.error("explorer: %s: %s", type(exc).__name__, exc)
        return PlainTextResponse("internal error\n", status_code=500)

    return Starlette(
        routes=routes,
        exception_handlers={404: not_found, 405: not_found, 500: server_error},
    )
