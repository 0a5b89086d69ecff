"""Convolution arithmetic against the shapes TensorFlow and Keras produce.

Pure Python checked against TensorFlow's ops: run once, on TensorFlow (the
other backends' runs skip it).
"""

import itertools

import keras
import numpy as np
import pytest

if keras.backend.backend() != "tensorflow":
    pytest.skip(
        "backend-independent; checked against TensorFlow's ops", allow_module_level=True
    )

import tensorflow as tf  # noqa: E402

from layers import arithmetic  # noqa: E402


def test_guide_examples():
    # Dumoulin & Visin's worked cases.
    assert arithmetic.conv_output_size(5, 3, strides=2, padding=1) == 3  # rel. 6
    assert arithmetic.conv_output_size(5, 4, padding="valid") == 2  # rel. 1
    assert arithmetic.pool_output_size(5, 3, strides=1) == 3  # rel. 7
    assert arithmetic.conv_output_size(7, 3, dilation_rate=2) == 3  # rel. 15
    # Rel. 12: transposing a 3x3 stride-2 conv of a 5x5 input.
    assert arithmetic.transposed_conv_output_size(2, 3, 2, "valid", 0) == 5
    # Rel. 14: i = 6, k = 3, s = 2, p = 1 -> o = 3, a = 1, o' = 6.
    assert arithmetic.conv_output_size(6, 3, 2, 1) == 3
    assert arithmetic.transposed_output_padding(6, 3, 2, 1) == 1
    assert arithmetic.transposed_conv_output_size(3, 3, 2, 1, 1) == 6
    # Rel. 9: stride 1, padding p: o' = i' + (k - 1) - 2p.
    assert arithmetic.transposed_conv_output_size(4, 5, 1, 1, 0) == 4 + 4 - 2


@pytest.mark.parametrize("padding", ["valid", "same", 1, (0, 2)])
def test_conv_output_size_matches_tf(padding):
    for i, k, s, d in itertools.product(range(1, 10), range(1, 5), range(1, 4), (1, 2)):
        if s > 1 and d > 1:
            continue  # TensorFlow has no strided dilated convolution.
        expected = arithmetic.conv_output_size(i, k, s, padding, d)
        keff = k + (k - 1) * (d - 1)
        pad = padding if isinstance(padding, str) else None
        if pad is None:
            before, after = (padding, padding) if isinstance(padding, int) else padding
            pad = [[0, 0], [before, after], [0, 0], [0, 0]]
            if i + before + after < keff:
                assert expected == 0
                continue
        elif pad == "valid" and i < keff:
            assert expected == 0
            continue
        y = tf.nn.conv2d(
            tf.zeros((1, i, 3, 1)),
            tf.zeros((k, 1, 1, 1)),
            strides=(s, 1),
            padding=pad.upper() if isinstance(pad, str) else pad,
            dilations=(d, 1),
        )
        assert y.shape[1] == expected, (i, k, s, d, padding)


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_pool_output_size_matches_tf(padding):
    for i, k, s in itertools.product(range(1, 10), range(1, 5), range(1, 4)):
        if padding == "valid" and i < k:
            continue
        y = tf.nn.max_pool2d(tf.zeros((1, i, 1, 1)), (k, 1), (s, 1), padding.upper())
        assert arithmetic.pool_output_size(i, k, s, padding) == y.shape[1]


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_transposed_size_matches_keras_conv2d_transpose(padding):
    for i, k, s in itertools.product(range(1, 6), (1, 2, 3, 5), (1, 2, 3)):
        for a in [None] + list(range(s)):
            layer = keras.layers.Conv2DTranspose(
                1,
                (k, 1),
                strides=(s, 1),
                padding=padding,
                output_padding=None if a is None else (a, 0),
            )
            expected = arithmetic.transposed_conv_output_size(i, k, s, padding, a)
            if expected < 1 or (padding == "same" and k % 2 == 0 and a is not None):
                # TensorFlow cannot run Keras' even-kernel "same" transpose
                # with an explicit output_padding (it needs uneven padding).
                continue
            y = layer(np.zeros((1, i, 2, 1), "float32"))
            assert y.shape[1] == expected, (i, k, s, a, padding)


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_output_padding_restores_forward_size(padding):
    for i, k, s in itertools.product(range(3, 12), (1, 3, 5), (1, 2, 3)):
        if padding == "valid" and i < k:
            continue
        a = arithmetic.transposed_output_padding(i, k, s, padding)
        assert 0 <= a < s
        forward = keras.layers.Conv2D(1, (k, 1), strides=(s, 1), padding=padding)
        back = keras.layers.Conv2DTranspose(
            1, (k, 1), strides=(s, 1), padding=padding, output_padding=(a, 0)
        )
        x = np.zeros((1, i, 1, 1), "float32")
        assert back(forward(x)).shape[1] == i, (i, k, s, padding)


def test_same_padding_is_tf_rule():
    assert arithmetic.same_padding(5, 3, 2) == (1, 1)
    assert arithmetic.same_padding(6, 3, 2) == (0, 1)
    assert arithmetic.same_padding(4, 4, 1) == (1, 2)
    assert arithmetic.same_padding(None, 3) is None


def test_unknown_sizes_propagate():
    assert arithmetic.conv_output_size(None, 3, 2, "same") is None
    assert arithmetic.transposed_conv_output_size(None, 3, 2) is None
    assert arithmetic.unpooled_size(None, 2) is None


def test_bad_arguments():
    with pytest.raises(ValueError, match="`kernel_size` must be a positive int"):
        arithmetic.conv_output_size(5, 0)
    with pytest.raises(ValueError, match="`padding` must be one of"):
        arithmetic.conv_output_size(5, 3, padding="full")
    with pytest.raises(ValueError, match="non-negative"):
        arithmetic.conv_output_size(5, 3, padding=-1)
    with pytest.raises(ValueError, match="`output_padding` must be an int in"):
        arithmetic.transposed_conv_output_size(4, 3, 2, "valid", 2)
    with pytest.raises(ValueError, match="No output_padding"):
        arithmetic.transposed_output_padding(8, 4, 2, "same")
    with pytest.raises(ValueError, match="must be known"):
        arithmetic.transposed_output_padding(None, 3, 2)
