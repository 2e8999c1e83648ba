"""Where the suite's time goes: the CPU seconds of every test (setup, call and teardown; the test's own process,
every thread in it — the app's server threads included — and the subprocesses it waited for), summed per test
and per file, printed at the end with the slowest tests. Wall time alone hides the cost of a test that waits on
another process, and on two cores CPU seconds are what the suite has to fit. Loaded by ``-p tests.cpu_time``
(scripts/test.sh); works with and without xdist (the workers' figures travel in each report's user_properties)."""
from __future__ import annotations

import resource
import time
from collections import defaultdict

import pytest

KEY = "cpu_seconds"
SHOWN = 25


def _cpu_now() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


_PHASES = pytest.StashKey[dict]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    start = _cpu_now()
    try:
        return (yield)
    finally:
        item.stash.setdefault(_PHASES, {})["setup"] = _cpu_now() - start


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    start = _cpu_now()
    try:
        return (yield)
    finally:
        item.stash.setdefault(_PHASES, {})["call"] = _cpu_now() - start


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    start = _cpu_now()
    try:
        return (yield)
    finally:
        item.stash.setdefault(_PHASES, {})["teardown"] = _cpu_now() - start


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    seconds = item.stash.get(_PHASES, {}).get(call.when)
    if seconds is not None:
        report.user_properties.append((KEY, round(seconds, 3)))
    return report


class _Totals:
    def __init__(self) -> None:
        self.per_test: dict[str, float] = defaultdict(float)
        self.wall: dict[str, float] = defaultdict(float)

    @pytest.hookimpl
    def pytest_runtest_logreport(self, report) -> None:
        for key, value in report.user_properties:
            if key == KEY:
                self.per_test[report.nodeid.split("@")[0]] += value
        self.wall[report.nodeid.split("@")[0]] += report.duration

    @pytest.hookimpl(trylast=True)
    def pytest_terminal_summary(self, terminalreporter) -> None:
        if not self.per_test:
            return
        write = terminalreporter.write_line
        terminalreporter.section("CPU time (tests/cpu_time.py)")
        total = sum(self.per_test.values())
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        write(f"tests' CPU: {total:.0f} s over {len(self.per_test)} tests "
              f"(wall, summed over the workers: {sum(self.wall.values()):.0f} s); "
              f"the whole run's CPU: {time.process_time() + children.ru_utime + children.ru_stime:.0f} s "
              f"(this process and the workers and processes it waited for)")
        files: dict[str, float] = defaultdict(float)
        for nodeid, seconds in self.per_test.items():
            files[nodeid.split("::")[0]] += seconds
        write("slowest files (CPU s):")
        for path, seconds in sorted(files.items(), key=lambda kv: -kv[1])[:15]:
            write(f"  {seconds:7.1f}  {path}")
        write(f"slowest {SHOWN} tests (CPU s, wall s):")
        for nodeid, seconds in sorted(self.per_test.items(), key=lambda kv: -kv[1])[:SHOWN]:
            write(f"  {seconds:7.1f}  {self.wall[nodeid]:7.1f}  {nodeid}")


def pytest_configure(config) -> None:
    if not hasattr(config, "workerinput"):  # the controller (or a run without xdist) adds them up
        config.pluginmanager.register(_Totals(), "cpu-time-totals")
