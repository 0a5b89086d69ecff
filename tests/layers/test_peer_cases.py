"""The peers' own published test cases, ported, on every backend.

Nobody here wrote these inputs or expected outputs; each test names the file
it comes from. The peers take flat argmax indices where this library takes
switches (the pooled input): where a case gives indices, the switches are
an input whose window maxima sit at those indices.
"""

import numpy as np
import pytest

import layers
from tests import references
from tests.layers.backend_utils import BACKEND, to_numpy


def _unpool_roundtrip(x, pool_size=2, strides=None, padding="valid"):
    pool = layers.MaxPoolingWithSwitches2D(pool_size, strides, padding)
    pooled, switches = pool(x)
    return to_numpy(pool.matching_unpooling()(pooled, switches))


def _switches_at(flat_indices, shape):
    """An input of `shape` that is 1 at TF Addons' flat indices
    ``(y * W + x) * C + c`` and 0 elsewhere."""
    switches = np.zeros(int(np.prod(shape)), "float32")
    switches[np.asarray(flat_indices).ravel()] = 1
    return switches.reshape(shape)


# --- PyTorch: torch.nn.MaxUnpool2d's docstring (torch/nn/modules/pooling.py)


def test_pytorch_max_unpool2d_docstring_4x4():
    x = np.arange(1, 17, dtype="float32").reshape(1, 4, 4, 1)
    np.testing.assert_array_equal(
        _unpool_roundtrip(x)[0, :, :, 0],
        [[0, 0, 0, 0], [0, 6, 0, 8], [0, 0, 0, 0], [0, 14, 0, 16]],
    )


def test_pytorch_max_unpool2d_docstring_4x5():
    # PyTorch needs output_size=input.size() here ("this call will not work
    # without specifying output_size"); switches give the 4x5 shape alone.
    x = np.arange(1, 21, dtype="float32").reshape(1, 4, 5, 1)
    np.testing.assert_array_equal(
        _unpool_roundtrip(x)[0, :, :, 0],
        [[0, 0, 0, 0, 0], [0, 7, 0, 9, 0], [0, 0, 0, 0, 0], [0, 17, 0, 19, 0]],
    )


def test_overlapping_windows_add_where_pytorch_writes_one_value():
    # On purpose: where windows overlap and two windows pick one position,
    # switch unpooling adds their values (Zeiler & Fergus' Caffe code, and
    # the gradient of max pooling). PyTorch's max_unpool2d writes one of
    # them ("nondeterministic" in its docs).
    x = np.array([0, 1, 9, 1, 0], "float32").reshape(1, 1, 5, 1)
    updates = np.array([2, 5], "float32").reshape(1, 1, 2, 1)
    pool = layers.MaxPoolingWithSwitches2D((1, 3), (1, 2))
    _, switches = pool(x)
    ours = to_numpy(pool.matching_unpooling()(updates, switches))[0, 0, :, 0]
    np.testing.assert_array_equal(ours, [0, 0, 2 + 5, 0, 0])
    if BACKEND != "torch":
        return
    import torch
    import torch.nn.functional as F

    planes = torch.tensor(x).permute(0, 3, 1, 2)
    _, indices = F.max_pool2d(planes, (1, 3), (1, 2), return_indices=True)
    assert indices.flatten().tolist() == [2, 2]
    theirs = F.max_unpool2d(
        torch.tensor(updates).permute(0, 3, 1, 2),
        indices,
        (1, 3),
        (1, 2),
        output_size=(1, 5),
    ).flatten()
    assert theirs[2].item() in (2, 5)  # one value, not their sum


def test_same_as_pytorch_max_unpool2d_where_windows_do_not_overlap():
    if BACKEND != "torch":
        pytest.skip("compares with PyTorch's own kernel")
    import torch
    import torch.nn.functional as F

    x = np.random.default_rng(0).integers(0, 4, (2, 6, 9, 3)).astype("float32")
    planes = torch.tensor(x).permute(0, 3, 1, 2)
    pooled, indices = F.max_pool2d(planes, 3, 3, return_indices=True)
    theirs = F.max_unpool2d(pooled, indices, 3, 3, output_size=(6, 9))
    np.testing.assert_array_equal(
        _unpool_roundtrip(x, 3), theirs.permute(0, 2, 3, 1).numpy()
    )


# --- TensorFlow: _testMaxPoolGradDirect1_2 in
# tensorflow/python/kernel_tests/nn_ops/pooling_ops_test.py


def test_tensorflow_max_pool_grad_direct_1_2():
    # A 4x4 input full of ties, 2x2 windows at stride 1 (VALID): windows
    # overlap, the first maximum of each wins and values landing on one
    # position add.
    input_data = [
        1.0,
        0.0,
        1.0,
        0.0,
        0.0,
        1.0,
        0.0,
        1.0,
        1.0,
        0.0,
        1.0,
        0.0,
        0.0,
        1.0,
        0.0,
        1.0,
    ]
    output_backprop = [11.0, 12.0, 13.0, 15.0, 16.0, 17.0, 19.0, 20.0, 21.0]
    expected_input_backprop = [
        11.0,
        0.0,
        25.0,
        0.0,
        0.0,
        31.0,
        0.0,
        17.0,
        19.0,
        0.0,
        41.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
    ]
    x = np.array(input_data, "float32").reshape(1, 4, 4, 1)
    pool = layers.MaxPoolingWithSwitches2D(2, 1, "valid")
    _, switches = pool(x)
    y = pool.matching_unpooling()(
        np.array(output_backprop, "float32").reshape(1, 3, 3, 1), switches
    )
    np.testing.assert_array_equal(to_numpy(y).ravel(), expected_input_backprop)


# --- TF Addons: tensorflow_addons/layers/tests/max_unpooling_2d_test.py


def test_tf_addons_simple():
    valid_input = np.array([13, 4], "float32").reshape(1, 1, 2, 1)
    indices = np.array([1, 6])
    expected_output = np.array([0, 13, 0, 0, 0, 0, 4, 0], "float32").reshape(1, 2, 4, 1)
    switches = _switches_at(indices, (1, 2, 4, 1))
    output = layers.SwitchUnpooling2D()(valid_input, switches)
    np.testing.assert_array_equal(to_numpy(output), expected_output)


def test_tf_addons_strides2x1():
    # MaxUnpooling2D(strides=(2, 1)): pool 2x2, "SAME" (its defaults).
    valid_input = np.arange(1, 9, dtype="float32").reshape(1, 2, 2, 2)
    indices = np.array([0, 3, 4, 7, 8, 11, 12, 15])
    expected_output = np.array(
        [1, 0, 0, 2, 3, 0, 0, 4, 5, 0, 0, 6, 7, 0, 0, 8], "float32"
    ).reshape(1, 4, 2, 2)
    switches = _switches_at(indices, (1, 4, 2, 2))
    output = to_numpy(
        layers.SwitchUnpooling2D(2, (2, 1), "same")(valid_input, switches)
    )
    assert output.shape == expected_output.shape == (1, 4, 2, 2)
    # A difference of representation: TF Addons scatters to whatever flat
    # index it is given, and these are not indices max pooling produces.
    # Windows (i, j) cover rows 2i..2i+1 and columns j..j+1 (column 2 is
    # padding): index 4 (value 3, window (0, 1), channel 0) lies outside
    # its window, and in channel 1 the overlapping windows (0, 0) and
    # (0, 1) name different maxima (indices 3 and 7) among the positions
    # they share. Switches (an input) always give consistent maxima; with
    # switches that are 1 at those indices, each value goes to its window's
    # first maximum and overlaps add, as the numpy deconvnet says.
    _, where = references.max_pool_argmax(switches, (2, 2), (2, 1), "same")
    np.testing.assert_array_equal(
        output, references.switch_unpool(valid_input, where, (4, 2))
    )
    assert not np.array_equal(output, expected_output)
    np.testing.assert_array_equal(
        output.sum(axis=(1, 2)), expected_output.sum(axis=(1, 2))
    )


def test_tf_addons_with_pooling_simple():
    valid_input = np.arange(1, 9, dtype="float32").reshape(1, 2, 4, 1)
    expected_output = np.array([0, 0, 0, 0, 0, 6, 0, 8], "float32").reshape(1, 2, 4, 1)
    np.testing.assert_array_equal(
        _unpool_roundtrip(valid_input, 2, 2, "same"), expected_output
    )


def test_tf_addons_with_pooling():
    valid_input = np.array(
        [1, 2, 4, 3, 8, 6, 7, 5, 9, 10, 12, 11, 13, 16, 15, 14], "float32"
    ).reshape(1, 4, 4, 1)
    expected_output = np.array(
        [0, 0, 0, 0, 8, 0, 7, 0, 0, 0, 0, 0, 0, 16, 15, 0], "float32"
    ).reshape(1, 4, 4, 1)
    np.testing.assert_array_equal(
        _unpool_roundtrip(valid_input, 2, 2, "same"), expected_output
    )


def test_tf_addons_padding_valid_complex():
    valid_input = np.array(
        [1, 2, 4, 3, 8, 6, 7, 5, 9, 10, 12, 11, 13, 16, 15, 14, 20, 18, 17, 19],
        "float32",
    ).reshape(1, 4, 5, 1)
    expected_output = np.array(
        [0, 0, 0, 0, 0, 0, 7, 0, 0, 10, 0, 0, 0, 0, 0, 0, 20, 0, 0, 19], "float32"
    ).reshape(1, 4, 5, 1)
    np.testing.assert_array_equal(
        _unpool_roundtrip(valid_input, (2, 3), 2, "valid"), expected_output
    )


# --- Keras: np_conv2d_transpose and ConvTransposeCorrectnessTest's cases in
# keras/src/layers/convolutional/conv_transpose_test.py


@pytest.mark.parametrize(
    "filters, kernel_size, strides, padding, output_padding",
    [
        (5, 2, 2, "valid", None),
        (6, 7, 16, "same", 2),
        (6, (2, 3), (2, 1), "valid", None),
        (2, (7, 7), (16, 16), "valid", None),
    ],
)
def test_keras_conv2d_transpose_cases_on_tied_conv(
    filters, kernel_size, strides, padding, output_padding
):
    # Keras' transposed convolution of a (2, 14, 14, 4) input with `filters`
    # outputs is TiedConv2D's transposed call when the forward convolution
    # maps `filters` channels of the Keras output's size to 4 channels.
    rng = np.random.default_rng(0)
    inputs = rng.normal(size=[2, 14, 14, 4])
    kh, kw = (kernel_size,) * 2 if isinstance(kernel_size, int) else kernel_size
    kernel_weights = rng.normal(size=(kh, kw, filters, 4))
    bias_weights = rng.normal(size=(filters,))
    expected = references.keras_np_conv2d_transpose(
        inputs, kernel_weights, bias_weights, strides, padding, output_padding
    )

    tied = layers.TiedConv2D(4, kernel_size, strides=strides, padding=padding)
    tied(np.zeros((1,) + expected.shape[1:3] + (filters,), "float32"))
    tied(inputs.astype("float32"), transpose=True)  # creates transpose_bias
    tied.kernel.assign(kernel_weights.astype("float32"))
    tied.transpose_bias.assign(bias_weights.astype("float32"))
    outputs = to_numpy(tied(inputs.astype("float32"), transpose=True))
    assert outputs.shape == expected.shape
    np.testing.assert_allclose(outputs, expected, atol=1e-4, rtol=1e-5)
