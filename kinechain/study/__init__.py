"""Studies over many inputs: ``simulate`` (grids and paired samples → labelled Datasets), ``sweep``
(specs evaluated chunk by chunk, streamed to a store, on a dask cluster) and ``sensitivity``."""
