"""Zeiler & Fergus' deconvnet: the step of each layer (`steps`), the
projection of a layer's activations to pixels (`network.DeconvNet`),
receptive fields, the top activations over a stream of images, the feature
sheets and the visualiser behind `experiments.visualize`, with the small
convnet it trains when given no model; and the tied autoencoders' training
that compares switch and fixed-corner unpooling
(`experiments.train_autoencoder`)."""
