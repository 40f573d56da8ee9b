"""A process using Vigil forks: parent and child each deliver their own events."""

from __future__ import annotations

import os
import sys

import pytest
import vigil
from conftest import FakeServer


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_fork_parent_and_child_deliver(server: FakeServer) -> None:
    server.start_sdk()
    vigil.auth_track(True, username="before-fork")
    assert vigil.flush(3.0)  # the worker thread is running when we fork
    pid = os.fork()
    if pid == 0:  # child: no pytest machinery from here on
        code = 1
        try:
            vigil.auth_track(True, username="child")
            code = 0 if vigil.flush(5.0) else 2
        finally:
            sys.stdout.flush()
            os._exit(code)
    vigil.auth_track(True, username="parent")
    assert vigil.flush(5.0)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    users = sorted(e["user"]["ids"]["username"] for e in server.events_of("auth.success"))
    assert users == ["before-fork", "child", "parent"]  # nothing lost, nothing twice
    assert vigil.stats()["sent"] == 2
