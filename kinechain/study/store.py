"""Where a sweep streams its chunks: a zarr directory or a netCDF file, with a ledger.

The store is created complete but empty from a template (metadata, coordinates, and a
``chunk_done`` ledger of zeros), written under a temporary name and renamed into place, so a
store either does not exist or has all its metadata. Each finished chunk writes its region of
every output, then marks itself in the ledger: a chunk that a killed run left half-written is
not marked and is computed again. A store is never reopened for writing from scratch.

zarr writes each chunk's region into its own files and survives being killed at any point.
A netCDF (HDF5) file is written in place: killed while a chunk is being written, the file can be
left unreadable; prefer zarr for runs that may be interrupted.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import xarray as xr

from .design import Chunk

#: Name of the ledger variable (1 = chunk written).
LEDGER = "chunk_done"
#: File suffixes stored as netCDF; anything else is a zarr directory.
NETCDF_SUFFIXES = (".nc", ".nc4", ".netcdf")


class Store:
    """A sweep's store on disk.

    Parameters
    ----------
    path : str or Path
        A zarr directory, or a netCDF file (suffix in :data:`NETCDF_SUFFIXES`).
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.netcdf = self.path.suffix.lower() in NETCDF_SUFFIXES

    def exists(self) -> bool:
        """Whether something is at the path."""
        return self.path.exists()

    def attrs(self) -> dict:
        """The store's global attributes (empty when the path holds something else)."""
        import netCDF4
        import zarr

        try:
            if self.netcdf:
                with netCDF4.Dataset(self.path, "r") as nc:
                    return {k: nc.getncattr(k) for k in nc.ncattrs()}
            return dict(zarr.open_group(self.path, mode="r").attrs)
        except (OSError, ValueError, KeyError, zarr.errors.BaseZarrError):
            return {}

    def create(self, template: xr.Dataset, block: tuple[int, ...], n_chunks: int) -> None:
        """Write ``template``'s metadata and coordinates (its data variables are lazy) and an empty ledger."""
        tmp = self.path.with_name(self.path.name + ".partial")
        if tmp.is_dir():
            shutil.rmtree(tmp)
        elif tmp.exists():
            tmp.unlink()
        ledger = xr.Variable(("chunk",), np.zeros(n_chunks, dtype=np.int8), {"long_name": "chunk written (1)"})
        template = template.assign({LEDGER: ledger})
        if self.netcdf:
            _create_netcdf(tmp, template, block)
        else:
            encoding = {name: {"chunks": _chunks(template[name], block)} for name in template.data_vars}
            encoding[LEDGER] = {"chunks": (1,)}
            template.to_zarr(tmp, mode="w-", compute=False, encoding=encoding, zarr_format=2)
        tmp.rename(self.path)

    def finished(self) -> np.ndarray:
        """Which chunks are written (bool per chunk)."""
        if self.netcdf:
            import netCDF4

            with netCDF4.Dataset(self.path, "r") as nc:
                return np.asarray(nc[LEDGER][:]) == 1
        import zarr

        return zarr.open_group(self.path, mode="r")[LEDGER][:] == 1

    def write(self, chunk: Chunk, arrays: dict[str, np.ndarray]) -> None:
        """Write one chunk's outputs (flat ``(m, ...)``) into its region, then mark it done."""
        shape = tuple(r.stop - r.start for r in chunk.region)
        if self.netcdf:
            import netCDF4

            with netCDF4.Dataset(self.path, "a") as nc:
                for name, value in arrays.items():
                    nc[name][chunk.region] = _cast(value, shape, nc[name].dtype)
                nc[LEDGER][chunk.index] = 1
            return
        import zarr

        group = zarr.open_group(self.path, mode="r+")
        for name, value in arrays.items():
            group[name][chunk.region] = _cast(value, shape, group[name].dtype)
        group[LEDGER][chunk.index] = 1

    def open(self) -> xr.Dataset:
        """The stored result, lazily (dask-backed), without the ledger."""
        if self.netcdf:
            ds = xr.open_dataset(self.path, chunks={})
        else:
            ds = xr.open_zarr(self.path)
        return ds.drop_vars(LEDGER)


def _chunks(variable: xr.DataArray, block: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(block) + tuple(variable.shape[len(block) :])


def _cast(value: np.ndarray, shape: tuple[int, ...], dtype) -> np.ndarray:
    value = np.asarray(value)
    return value.reshape(shape + value.shape[1:]).astype(dtype, copy=False)


def _create_netcdf(path: Path, template: xr.Dataset, block: tuple[int, ...]) -> None:
    import netCDF4

    with netCDF4.Dataset(path, "w") as nc:
        for dim, size in template.sizes.items():
            nc.createDimension(dim, size)
        for name, var in template.variables.items():
            attrs = dict(var.attrs)
            if var.dtype == bool:
                dtype, fill, attrs["dtype"] = "i1", None, "bool"
            elif var.dtype.kind in "US":
                dtype, fill = str, None
            else:
                dtype, fill = var.dtype, np.nan if var.dtype.kind == "f" else None
            chunks = _chunks(var, block) if name in template.data_vars and name != LEDGER else None
            v = nc.createVariable(name, dtype, var.dims, fill_value=fill, chunksizes=chunks)
            v.setncatts(attrs)
            if name not in template.data_vars or name == LEDGER:
                v[:] = var.values.astype(object) if dtype is str else var.values
        nc.setncatts({k: v if isinstance(v, int | float | str) else json.dumps(v) for k, v in template.attrs.items()})
