"""Pictures and result files: tiled grids, labelled figures, and files
(PNG, GIF, JSON, text) written atomically. Imports nothing else of `gen`
but its errors, so every part of the project can use it."""
