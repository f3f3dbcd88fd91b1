"""One batch-shape rule for every function, and labelled results.

* A scalar is the same for every element.
* A plain 1-D array (list, tuple, numpy array) becomes a dimension of its own, named after the
  input (``femoral_ir_r``, ``strength_gluteus_medius``): several plain arrays form a grid. An
  input that has the name of an output (``knee_valgus_r``) is labelled ``knee_valgus_r_input``
  (:func:`kinechain.variables.coordinate_name`): the output of that name is what the posture
  reached, which differs from the input where a joint stopped at its limit or a solve failed.
* An :class:`xarray.DataArray` keeps its dimensions; inputs sharing a dimension (for example
  ``sample``) are paired element by element, not crossed.

Inside, a batch is flat (``n`` elements); :class:`Batch` knows the dimensions, their sizes and
coordinates, and labels flat results as an :class:`xarray.Dataset`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import xarray as xr

from ._validation import as_finite_array
from .variables import OUTPUTS, Variable, attributes, coordinate_name

#: Share of the memory available when a request is made that one result may take.
MEMORY_SHARE = 0.5
#: Results up to this size (bytes) are not checked: the interpreter itself needs more.
UNCHECKED_BYTES = 2**20


@dataclass(frozen=True)
class Batch:
    """Dimensions of a batch and the coordinates that label them.

    Attributes
    ----------
    dims : tuple of str
        Dimension names, in order.
    sizes : tuple of int
        Their lengths; a batch of no dimension has one element.
    coords : dict
        Coordinate name → (dimensions, values), for :class:`xarray.Dataset`.
    """

    dims: tuple[str, ...] = ()
    sizes: tuple[int, ...] = ()
    coords: dict = field(default_factory=dict)

    @property
    def n(self) -> int:
        """Number of elements."""
        return int(np.prod(self.sizes, dtype=np.int64)) if self.sizes else 1

    @classmethod
    def flat(cls, n: int) -> Batch:
        """An unlabelled batch of ``n`` elements (one dimension, ``element``)."""
        return cls(("element",), (n,))

    def labelled(self, arrays: Mapping[str, np.ndarray], extra: Mapping[str, list] | None = None) -> xr.Dataset:
        """A Dataset of flat results ``(n, ...)``, with ``units`` and ``long_name`` on every variable.

        Parameters
        ----------
        arrays : mapping of output name to ndarray (n, ...)
            Trailing axes are the output's declared dimensions (:attr:`Variable.dims`). Every
            output is a variable (inputs named like an output are ``<name>_input`` coordinates).
        extra : mapping of dimension name to labels, optional
            Labels of those trailing dimensions (``muscle``, ``coordinate``).
        """
        variables = {}
        for name, value in arrays.items():
            trailing = OUTPUTS[name].dims
            value = np.asarray(value)
            variables[name] = (
                (*self.dims, *trailing),
                value.reshape(self.sizes + value.shape[1:]),
                attributes(name),
            )
        coords = {name: (dims, values, _coordinate_attrs(name)) for name, (dims, values) in self.coords.items()}
        coords.update({dim: (dim, list(labels)) for dim, labels in (extra or {}).items()})
        return xr.Dataset(variables, coords=coords)


def _coordinate_attrs(name: str) -> dict:
    try:
        return attributes(name)
    except KeyError:
        return {}


def broadcast(
    values: Mapping[str, tuple[Variable, object]],
    labels: Mapping[str, str] | None = None,
    what: str = "this request",
    bytes_per_element: int = 0,
) -> tuple[Batch, dict[str, np.ndarray]]:
    """Check every input and broadcast them over one batch by the batch-shape rule.

    Parameters
    ----------
    values : mapping of dimension name to (declared variable, value)
        The dimension name is the input's own (``knee_valgus_r``) or, for a muscle parameter,
        ``strength_<group>``; the variable gives the accepted range and units.
    labels : mapping of dimension name to str, optional
        How error messages name an input (``strength['gluteus_medius']``); default its name.
    what, bytes_per_element : str, int
        The caller and the memory its result takes per element: checked (:func:`check_memory`)
        before any input is expanded over the batch.

    Returns
    -------
    Batch
    dict of name to ndarray (n,)
        Every input, flat over the batch.

    Raises
    ------
    ValueError
        For a value out of range, not finite, empty, multi-dimensional without names, or two
        DataArrays whose shared dimension has different lengths.
    MemoryError
        When the result would not fit in memory.
    """
    arrays: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}
    sizes: dict[str, int] = {}
    coords: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}
    owner: dict[str, str] = {}
    labels = labels or {}
    for name, (variable, value) in values.items():
        label = labels.get(name, name)
        if isinstance(value, xr.DataArray):
            dims, data = tuple(str(d) for d in value.dims), _checked(label, variable, value.values)
            for dim, coord in value.coords.items():
                if dim in value.dims and dim not in coords:
                    coords[str(dim)] = ((str(dim),), np.asarray(coord.values))
            if dims:
                coords[coordinate_name(name)] = (dims, data)
        else:
            data = _checked(label, variable, value)
            if data.ndim > 1:
                raise ValueError(
                    f"{label}: a plain array must be a scalar or 1-D (it becomes the dimension {name!r}); got shape "
                    f"{data.shape}. Pass an xarray.DataArray with named dimensions for a multi-dimensional or paired "
                    "batch."
                )
            dims = (coordinate_name(name),) if data.ndim else ()
            if dims:
                coords[coordinate_name(name)] = (dims, data)
        for dim, size in zip(dims, data.shape, strict=True):
            if sizes.setdefault(dim, size) != size:
                raise ValueError(
                    f"{label} has {size} values along dimension {dim!r} but {owner[dim]} has {sizes[dim]}; inputs "
                    "sharing a dimension are paired element by element and must have the same length"
                )
            owner.setdefault(dim, label)
        arrays[name] = (dims, data)
    batch = Batch(tuple(sizes), tuple(sizes.values()), coords)
    check_memory(what, batch, bytes_per_element + 8 * len(arrays))
    return batch, {name: _expand(dims, data, batch) for name, (dims, data) in arrays.items()}


def _checked(name: str, variable: Variable, value: object) -> np.ndarray:
    units = "" if variable.units == "1" else variable.units
    if isinstance(value, list | tuple) and (len(value) == 0 or any(v is None for v in value)):
        lo, hi = variable.range
        what = "is empty" if len(value) == 0 else "contains None"
        raise ValueError(f"{name} {what}: give a number or a non-empty list of numbers within [{lo:g}, {hi:g}] {units}")
    data = as_finite_array(name, value, *variable.range, units)
    if data.size == 0:
        raise ValueError(f"{name} is empty: give a number or a non-empty array of numbers")
    return data


def _expand(dims: tuple[str, ...], data: np.ndarray, batch: Batch) -> np.ndarray:
    """``data`` over ``dims`` as a flat (n,) array over the whole batch."""
    if not dims:
        return np.broadcast_to(data, (batch.n,))
    order = [dims.index(d) for d in batch.dims if d in dims]
    shape = [size if d in dims else 1 for d, size in zip(batch.dims, batch.sizes, strict=True)]
    return np.broadcast_to(np.transpose(data, order).reshape(shape), batch.sizes).reshape(batch.n)


def available_memory() -> int:
    """Bytes of memory available now (``MemAvailable``; the physical size where that is unknown)."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def check_memory(what: str, batch: Batch, bytes_per_element: int) -> None:
    """Refuse, before anything is allocated, a result that would not fit in memory (one of at most
    :data:`UNCHECKED_BYTES` always does).

    Raises
    ------
    MemoryError
        Saying how large the result would be, how much memory there is, and what to do instead.
    """
    need = batch.n * bytes_per_element
    if need <= UNCHECKED_BYTES:
        return
    have = available_memory()
    if need > MEMORY_SHARE * have:
        shape = " x ".join(f"{d}={s}" for d, s in zip(batch.dims, batch.sizes, strict=True))
        raise MemoryError(
            f"{what} over {batch.n:,} elements ({shape}) would need {need / 2**30:,.1f} GiB for its result "
            f"({bytes_per_element:,} bytes per element); {have / 2**30:,.1f} GiB is available. Sweep fewer values, "
            "pair inputs along one dimension with xarray.DataArray instead of crossing them, or split the grid."
        )
