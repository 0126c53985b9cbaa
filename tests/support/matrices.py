"""Compares sparse matrices the patches build without scipy's constructor with scipy's own."""
from __future__ import annotations

import numpy as np


def same_matrix_state(ours, theirs) -> None:
    """The same matrix attribute by attribute: every attribute scipy's constructor sets,
    in its order, with its types and dtypes, and nothing else."""
    assert type(ours) is type(theirs)
    assert list(vars(ours)) == list(vars(theirs))
    for name, expected in vars(theirs).items():
        actual = getattr(ours, name)
        if isinstance(expected, np.ndarray):
            assert actual.dtype == expected.dtype, name
            assert np.array_equal(actual, expected), name
        else:
            assert type(actual) is type(expected) and actual == expected, name
