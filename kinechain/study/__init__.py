"""Studies over many inputs: ``simulate`` (grids and paired samples → labelled Datasets)."""
