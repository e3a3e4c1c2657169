"""Browser tests: a real collector process and Debian's Chromium driven by Playwright.

The collector comes from ``tests/collector_process.py`` (free loopback port, waits for /ping,
SIGTERM to stop); here it writes the default records to Avro files under ``tmp_path``, which
the tests read after the shutdown has published them. Chromium is the system's
(``/usr/bin/chromium``), never a Playwright download.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import fastavro
import pytest
from playwright.sync_api import sync_playwright

from tests.collector_process import CollectorProcess, file_sink_config, start_collector

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, ViewportSize

CHROMIUM = os.environ.get("DIVOLTE_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",
    "--disable-quic",
]
VIEWPORT: ViewportSize = {"width": 1024, "height": 700}


class FileCollector:
    """A collector process whose default mapping writes Avro files under ``directory``."""

    def __init__(self, directory: Path, extra_config: str = "") -> None:
        self.working = directory / "working"
        self.publish = directory / "publish"
        self.working.mkdir(parents=True)
        self.publish.mkdir()
        self.process: CollectorProcess = start_collector(
            directory, file_sink_config(self.working, self.publish, extra_config)
        )

    @property
    def base_url(self) -> str:
        return self.process.base_url

    def stop_and_read(self) -> list[dict[str, Any]]:
        """SIGTERM the collector and return every published record, in file order."""
        status = self.process.stop()
        assert status == 0, self.process.log()
        records: list[dict[str, Any]] = []
        for path in sorted(self.publish.glob("*.avro")):
            with path.open("rb") as handle:
                records.extend(fastavro.reader(handle))  # type: ignore[arg-type]
        return records

    def kill(self) -> None:
        if self.process.process.poll() is None:
            self.process.process.kill()
            self.process.process.wait()


@pytest.fixture
def file_collector(tmp_path: Path) -> Iterator[Callable[[str], FileCollector]]:
    """Start collectors with extra HOCON inside ``divolte { }``; all are killed at the end."""
    started: list[FileCollector] = []

    def start(extra_config: str = "") -> FileCollector:
        collector = FileCollector(tmp_path / f"collector{len(started)}", extra_config)
        started.append(collector)
        return collector

    yield start
    for collector in started:
        collector.kill()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Module scope, not session: Playwright's sync API keeps an event loop running in the
    # main thread while it is open, and later tests need asyncio.run().
    if not Path(CHROMIUM).exists():  # a missing prerequisite fails loudly, never skips
        pytest.fail(
            f"no Chromium at {CHROMIUM}: run scripts/install-test-deps (Debian's chromium), "
            'or leave the browser tests out with -m "not browser"'
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile (no cookies) with a fixed viewport."""
    browser_context = browser.new_context(viewport=VIEWPORT)
    browser_context.set_default_timeout(15_000)
    yield browser_context
    browser_context.close()
