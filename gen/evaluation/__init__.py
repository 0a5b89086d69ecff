"""How good a generator is: per-image scores (`scoring`), the held-out
table with its nearest-view baseline, and the checkerboard measure of the
uconv layers."""
