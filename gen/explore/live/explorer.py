"""`explore(config)`: what `experiments.explore` does, from its
`ExploreConfig`: open the generator, then serve the page or export it."""

import os

from gen.explore import latent
from gen.explore.live import app, export, opening, renderer, serve


def make_renderer(opened):
    """The `Renderer` of an `opening.Opened` generator: its data (when
    known) and the transformation sliders its run trained with."""
    from gen.explore import run_files

    data = (
        run_files.load_data(opened.source, opened.model)
        if opened.source is not None
        else None
    )
    names = ()
    if opened.train is not None and opened.train.augment:
        from gen.data import augment

        names = augment.NAMES
    # Which real views were held out: the run's protocol, or the one given
    # for a bare generator file with its data.
    known = opened.train or opened.source
    holdout = known.holdout if known is not None else None
    return renderer.Renderer(opened.model, data, holdout, names)


def can_sample_new_chairs(drawer):
    """Whether "new chair" can work: the generator has the layer it samples
    and at least two training chairs to fit the Gaussian to."""
    from gen.explore import style_sampling

    chairs = style_sampling.training_chairs(drawer.num_classes, drawer.holdout)
    return (
        renderer.NEW_CHAIR_LAYER in latent.cut_layer_names(drawer.model)
        and len(chairs) >= 2
    )


def explore(config, echo=print):
    """Serves the explorer (until Ctrl-C) or, with `config.export`, writes
    the folder and returns."""
    sock = None
    if config.export is None:
        # Bind first: a port in use is reported before the model loads.
        serve.warn_if_exposed(config.host, echo)
        sock = serve.bind(config.host, config.port)
    try:
        opened = opening.open_generator(
            config.workdir, config.generator, **config.data_settings()
        )
        echo(f"Opened {opened.workdir or opened.origin}: {opened.origin}")
        drawer = make_renderer(opened)
        if config.export is not None:
            out = os.path.abspath(os.path.expanduser(config.export))
            size = export.export(
                drawer,
                opened,
                out,
                config.export_chairs,
                echo,
                azimuths=config.export_azimuths,
            )
            echo(
                f"wrote {os.path.join(out, 'index.html')}: open it in a browser "
                f"(the folder holds {size / 1e6:.1f} MB)"
            )
            return
        web = app.create_app(drawer, opened, can_sample_new_chairs(drawer))
        serve.serve(web, sock, echo)
    finally:
        if sock is not None:
            sock.close()
