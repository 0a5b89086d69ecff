"""Exploring a trained generator: opening a run (`run_files`), cutting it
at a layer (`latent`), rendering views and turntables, morphs, feature
arithmetic, new styles, single units; the library behind the explore
scripts."""
