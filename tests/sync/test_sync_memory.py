"""`tune_process_memory()`: two glibc arenas whatever the number of threads, and pyarrow allocating through malloc.

Each check runs in a child interpreter: the settings are process-wide."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("pyarrow")

_CHILD = textwrap.dedent('''
    import ctypes, ctypes.util, os, sys, tempfile, threading
    import pyarrow as pa
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    if not hasattr(libc, "gnu_get_libc_version"):
        print("not-glibc"); sys.exit()
    tuned = None
    if sys.argv[1] == "tuned":
        from py_autotask.sync import tune_process_memory
        tuned = tune_process_memory()
    held, ready = [], threading.Barrier(7)
    def work():
        held.append(bytearray(200_000))  # a thread's first malloc gives it an arena (up to the limit)
        ready.wait()
    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    ready.wait()
    for t in threads:
        t.join()
    handle, path = tempfile.mkstemp()
    os.close(handle)
    libc.fopen.restype = ctypes.c_void_p
    stream = libc.fopen(path.encode(), b"w")
    libc.malloc_info(0, ctypes.c_void_p(stream))
    libc.fclose(ctypes.c_void_p(stream))
    heaps = open(path).read().count("<heap nr=")
    os.unlink(path)
    print(tuned, heaps, pa.default_memory_pool().backend_name)
''')


def _child(mode: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", _CHILD, mode], capture_output=True, text=True, timeout=60, check=True)
    return out.stdout.split()


def test_two_arenas_and_the_system_pool_after_tuning() -> None:
    plain = _child("plain")
    if plain == ["not-glibc"]:
        pytest.skip("glibc only")
    tuned = _child("tuned")
    assert int(plain[1]) > 2 and plain[2] != "system"  # each thread its own arena; pyarrow's own pool
    assert tuned[0] == "True" and int(tuned[1]) <= 2 and tuned[2] == "system"
