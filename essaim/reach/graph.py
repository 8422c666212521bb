"""A follower graph as compact arrays (CSR, NumPy): an edge u → v means v follows u, so what
u relays can reach v. Nodes are 0..n-1; `ids` keeps each node's outside id (a person's id on
the platform, or the id an imported edge list used)."""

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from essaim.core.errors import ValidationError

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass
class Graph:
    ids: IntArray  # outside id of each node
    indptr: IntArray  # out-edges of u: indices[indptr[u]:indptr[u+1]]
    indices: IntArray
    rindptr: IntArray  # in-edges of v: rindices[rindptr[v]:rindptr[v+1]]
    rindices: IntArray
    # Where each in-edge sits among the out-edges, so one probability array serves both.
    reverse_of: IntArray

    @property
    def n(self) -> int:
        return int(self.ids.shape[0])

    @property
    def m(self) -> int:
        return int(self.indices.shape[0])

    def in_degree(self) -> IntArray:
        return np.diff(self.rindptr)

    def out_degree(self) -> IntArray:
        return np.diff(self.indptr)

    def nodes_of(self, outside_ids: "list[int] | IntArray") -> IntArray:
        """Node numbers of outside ids; an unknown id is refused with a clear error."""
        wanted = np.asarray(outside_ids, dtype=np.int64).reshape(-1)
        order = np.argsort(self.ids, kind="stable")
        ordered = self.ids[order]
        position = np.searchsorted(ordered, wanted)
        inside = position < self.n
        known = np.zeros(wanted.shape[0], dtype=bool)
        known[inside] = ordered[position[inside]] == wanted[inside]
        if not known.all():
            shown = ", ".join(str(int(x)) for x in wanted[~known][:5])
            raise ValidationError(f"Unknown node id(s) in this graph: {shown}.")
        return order[position].astype(np.int64)

    def reverse_probabilities(self, prob: FloatArray) -> FloatArray:
        return prob[self.reverse_of]

    def save(self, path: Path) -> None:
        """Write atomically: a reader never sees half a graph."""
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".npz.tmp")
        os.close(handle)
        try:
            with open(temporary, "wb") as out:
                np.savez(out, ids=self.ids, src=self.sources(), dst=self.indices)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def sources(self) -> IntArray:
        return np.repeat(np.arange(self.n, dtype=np.int64), self.out_degree())

    @classmethod
    def load(cls, path: Path) -> "Graph":
        with np.load(path) as data:
            return from_edges(data["ids"], data["src"], data["dst"], dedupe=False)


def from_edges(ids: IntArray, src: IntArray, dst: IntArray, *, dedupe: bool = True) -> Graph:
    """The graph of edges src[i] → dst[i] (node numbers 0..len(ids)-1), without self-loops
    and, when `dedupe`, without repeated edges."""
    n = int(ids.shape[0])
    src = np.asarray(src, dtype=np.int64)
    dst = np.asarray(dst, dtype=np.int64)
    keep = src != dst
    src, dst = src[keep], dst[keep]
    if dedupe and src.size:
        key = np.unique(src * n + dst)
        src, dst = key // n, key % n
    order = np.lexsort((dst, src))
    src, dst = src[order], dst[order]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    reverse_of = np.lexsort((src, dst)).astype(np.int64)
    rindptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(dst, minlength=n), out=rindptr[1:])
    return Graph(
        ids=np.asarray(ids, dtype=np.int64),
        indptr=indptr,
        indices=dst,
        rindptr=rindptr,
        rindices=src[reverse_of],
        reverse_of=reverse_of,
    )


def from_outside_edges(pairs_src: IntArray, pairs_dst: IntArray) -> Graph:
    """A graph from edges between outside ids (any integers)."""
    ids, inverse = np.unique(np.concatenate([pairs_src, pairs_dst]), return_inverse=True)
    half = pairs_src.shape[0]
    return from_edges(ids, inverse[:half], inverse[half:])
