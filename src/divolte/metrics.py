"""Prometheus metrics: the instance's totals over all its worker processes.

Every process writes its own values to files in one directory (``_metric_files.py``, in
prometheus-client's multiprocess format); a scrape, answered by whichever worker gets it,
sums all files with prometheus-client's ``MultiProcessCollector`` and renders them with its
exposition code. The supervisor creates the directory before it forks the workers, names it
in ``$DIVOLTE_METRICS_DIR``, marks a dead worker's live gauges gone and removes the
directory at exit (:class:`MetricsDirectory`). A collector without that variable (one
process, tests) keeps its files in a private temporary directory.

Counters of a worker that died stay in the directory, so totals never go backwards. Gauges
say how they combine: ``livesum`` (queue depth: the sum over live workers), ``livemin``
(sink healthy: 0 if any worker's sink fails), ``livemax`` (build info, start time).

Families hand out one child per label values, created once and cached by the caller; an
increment is then a single store into shared memory. Writes happen on the event loop thread
only (the sink monitor samples the sinks' own counters there, too).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from types import TracebackType
from typing import Literal

from prometheus_client import CollectorRegistry
from prometheus_client.exposition import choose_encoder
from prometheus_client.mmap_dict import mmap_key
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.utils import floatToGoString

from divolte._metric_files import ValueFile

ENV_DIRECTORY = "DIVOLTE_METRICS_DIR"

GaugeMode = Literal["livesum", "livemin", "livemax"]
LATENCY_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25)
"""Seconds; a beacon is answered in tens of microseconds, a delayed one after its delay."""


class Value:
    """One counter or gauge sample of this process."""

    __slots__ = ("_index", "_view")

    def __init__(self, file: ValueFile, key: str) -> None:
        self._index = file.slot(key)
        self._view = file.view
        file.on_remap(self._rebind)

    def _rebind(self, view: memoryview[float]) -> None:
        self._view = view

    def inc(self, amount: float = 1.0) -> None:
        self._view[self._index] += amount

    def set(self, value: float) -> None:
        self._view[self._index] = value

    @property
    def value(self) -> float:
        """This process's value (the instance's total is what a scrape shows)."""
        return float(self._view[self._index])


class Observation:
    """One histogram child: a count per bucket (not cumulative, as the format wants) and a sum."""

    __slots__ = ("_bounds", "_buckets", "_sum", "_view")

    def __init__(self, file: ValueFile, keys: list[str], sum_key: str, bounds: Sequence[float]):
        self._buckets = tuple(file.slot(key) for key in keys)
        self._sum = file.slot(sum_key)
        self._bounds = tuple(bounds)
        self._view = file.view
        file.on_remap(self._rebind)

    def _rebind(self, view: memoryview[float]) -> None:
        self._view = view

    def observe(self, amount: float) -> None:
        view = self._view
        view[self._buckets[bisect_left(self._bounds, amount)]] += 1.0
        view[self._sum] += amount

    @property
    def count(self) -> float:
        """Observations in this process."""
        return float(sum(self._view[index] for index in self._buckets))


class Family:
    """A named metric with label names; ``labels(*values)`` gives the (cached) child."""

    def __init__(self, store: Metrics, kind: str, name: str, doc: str, labels: Sequence[str]):
        self.name, self.doc, self.label_names = name, doc, tuple(labels)
        self._store, self._kind = store, kind
        self._children: dict[tuple[str, ...], Value] = {}

    def labels(self, *values: str) -> Value:
        child = self._children.get(values)
        if child is None:
            if len(values) != len(self.label_names):
                raise ValueError(f"{self.name} takes labels {self.label_names}, got {values}")
            suffix = "_total" if self._kind == "counter" else ""
            key = mmap_key(self.name, self.name + suffix, [*self.label_names], [*values], self.doc)
            child = self._children[values] = Value(self._store.file(self._kind), key)
        return child

    def children(self) -> Iterator[tuple[tuple[str, ...], Value]]:
        yield from self._children.items()


class HistogramFamily:
    def __init__(
        self, store: Metrics, name: str, doc: str, labels: Sequence[str], buckets: Sequence[float]
    ):
        self.name, self.doc, self.label_names = name, doc, tuple(labels)
        self.bounds = tuple(sorted(buckets))
        self._store = store
        self._children: dict[tuple[str, ...], Observation] = {}

    def labels(self, *values: str) -> Observation:
        child = self._children.get(values)
        if child is None:
            names = (*self.label_names, "le")
            edges = [*map(floatToGoString, self.bounds), "+Inf"]
            bucket = self.name + "_bucket"
            keys = [mmap_key(self.name, bucket, [*names], [*values, le], self.doc) for le in edges]
            total = mmap_key(
                self.name, self.name + "_sum", [*self.label_names], [*values], self.doc
            )
            file = self._store.file("histogram")
            child = self._children[values] = Observation(file, keys, total, self.bounds)
        return child


class Metrics:
    """This process's metric families, and the exposition of the whole instance."""

    def __init__(self, directory: str | None = None, *, in_memory: bool = False) -> None:
        self._directory = directory
        self._in_memory = in_memory
        self._pid = os.getpid()
        self._files: dict[str, ValueFile] = {}
        self._families: dict[str, Family | HistogramFamily] = {}

    @classmethod
    def for_process(cls) -> Metrics:
        """The instance's directory when a supervisor made one, else a private one."""
        return cls(os.environ.get(ENV_DIRECTORY) or None)

    @classmethod
    def in_memory_only(cls) -> Metrics:
        """Values nobody can scrape, without any file (``Happenings()`` in tests)."""
        return cls(in_memory=True)

    @property
    def directory(self) -> str:
        """The shared directory, or a private one made on first use (removed with this object)."""
        if self._directory is None:
            self._directory = tempfile.mkdtemp(prefix="divolte-metrics-")
            weakref.finalize(self, shutil.rmtree, self._directory, True)
        return self._directory

    def file(self, kind: str) -> ValueFile:
        found = self._files.get(kind)
        if found is None:
            path = (
                None if self._in_memory else os.path.join(self.directory, f"{kind}_{self._pid}.db")
            )
            found = self._files[kind] = ValueFile(path)
        return found

    def counter(self, name: str, doc: str, labels: Sequence[str] = ()) -> Family:
        """``name`` without ``_total``; the samples get the suffix."""
        return self._family(name, lambda: Family(self, "counter", name, doc, labels))

    def gauge(self, name: str, doc: str, labels: Sequence[str] = (), *, mode: GaugeMode) -> Family:
        return self._family(name, lambda: Family(self, f"gauge_{mode}", name, doc, labels))

    def histogram(
        self,
        name: str,
        doc: str,
        labels: Sequence[str] = (),
        buckets: Sequence[float] = LATENCY_BUCKETS,
    ) -> HistogramFamily:
        family = self._families.get(name)
        if family is None:
            family = self._families[name] = HistogramFamily(self, name, doc, labels, buckets)
        assert isinstance(family, HistogramFamily), name
        return family

    def _family(self, name: str, make: Callable[[], Family]) -> Family:
        family = self._families.get(name)
        if family is None:
            family = self._families[name] = make()
        assert isinstance(family, Family), name
        return family

    def exposition(self, accept: str | None = None) -> tuple[bytes, str]:
        """The instance's metrics in the format the ``Accept`` header asks for, and its type."""
        try:
            encode, content_type = choose_encoder(accept or "")
        except Exception:  # the client library chokes on some odd Accept values: plain text
            encode, content_type = choose_encoder("")
        return encode(self.registry()), content_type

    def registry(self) -> CollectorRegistry:
        if self._in_memory:
            raise RuntimeError("metrics kept in memory only cannot be collected")
        registry = CollectorRegistry(auto_describe=False)
        MultiProcessCollector(registry, path=self.directory)  # type: ignore[no-untyped-call]
        return registry

    def instance_values(self, name: str) -> dict[tuple[tuple[str, str], ...], float]:
        """One metric's samples summed over the instance, by their labels (sorted pairs)."""
        values: dict[tuple[tuple[str, str], ...], float] = {}
        for metric in self.registry().collect():
            if metric.name == name:
                for sample in metric.samples:
                    values[tuple(sorted(sample.labels.items()))] = sample.value
        return values

    def close(self) -> None:
        for file in self._files.values():
            file.close()
        self._files.clear()


class MetricsDirectory:
    """The directory of an instance's metric files: made before workers fork, removed at exit.

    While it exists ``$DIVOLTE_METRICS_DIR`` names it, so that forked workers find it.
    """

    def __init__(self, path: str, previous: str | None) -> None:
        self.path = path
        self._previous = previous

    @classmethod
    def create(cls, parent: str | None = None) -> MetricsDirectory:
        path = tempfile.mkdtemp(prefix="divolte-metrics-", dir=parent)
        previous = os.environ.get(ENV_DIRECTORY)
        os.environ[ENV_DIRECTORY] = path
        return cls(path, previous)

    def process_exited(self, pid: int) -> None:
        """A worker is gone: its live gauges stop counting, its counters stay in the totals."""
        mark_process_dead(pid, self.path)  # type: ignore[no-untyped-call]

    def remove(self) -> None:
        if self._previous is None:
            os.environ.pop(ENV_DIRECTORY, None)
        else:
            os.environ[ENV_DIRECTORY] = self._previous
        shutil.rmtree(self.path, ignore_errors=True)

    def __enter__(self) -> MetricsDirectory:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.remove()
