"""The live explorer: a local web page where a person drags sliders and a
trained generator draws (`experiments.explore`), and its export to a folder
that works without a server."""
