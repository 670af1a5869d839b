"""Developer tools of this repository (not shipped): the docs-example runner and the golden-file refresh."""
