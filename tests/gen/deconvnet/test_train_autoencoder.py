"""gen.deconvnet.train_autoencoder and its config: the MSE and its table,
every refused setting."""

import numpy as np
import pytest

from gen.deconvnet import autoencoder_config, train_autoencoder
from gen.errors import UserError
from gen.models import tied_autoencoder


def test_reconstruction_mse_and_table():
    model = tied_autoencoder.build_autoencoder(16, (4, 6))
    x = np.random.default_rng(6).uniform(size=(5, 16, 16, 3)).astype("float32")
    expected = np.mean((model.predict(x, verbose=0).astype(np.float64) - x) ** 2)
    assert train_autoencoder.reconstruction_mse(model, x, batch_size=2) == (
        pytest.approx(expected, rel=1e-6)
    )
    table = train_autoencoder.mse_table(
        {  # switch comes first regardless
            "fixed_corner": {
                "heldout_mse": 0.0123,
                "train_mse": 0.012,
                "heldout_psnr_db": 19.1,
            },
            "switch": {
                "heldout_mse": 0.00123,
                "train_mse": 0.001,
                "heldout_psnr_db": 29.1,
            },
        }
    )
    assert table == (
        "| unpooling | held-out MSE | training MSE | held-out PSNR (dB) |\n"
        "|---|---|---|---|\n"
        "| switch | 0.00123 | 0.00100 | 29.10 |\n"
        "| fixed_corner | 0.01230 | 0.01200 | 19.10 |\n"
    )


def test_config_errors():
    config = autoencoder_config.AutoencoderConfig
    with pytest.raises(
        UserError,
        match=r"The resolution 32 must be a "
        r"multiple of 64 \(2 to the number of conv layers, 6\)",
    ):
        config(resolution=32, filters=(4,) * 6)
    with pytest.raises(
        UserError, match="--resolution must be one of 32, 64, 128; got 20."
    ):
        config(resolution=20)
    with pytest.raises(
        UserError, match="--kernel_size must be odd and positive, got 4."
    ):
        config(kernel_size=4)
    with pytest.raises(
        UserError,
        match=r"--filters must be positive channel "
        r"counts, got \(\).",
    ):
        config(filters=())
    with pytest.raises(UserError, match="--epochs must be a positive integer, got 0."):
        config(epochs=0)
