#!/usr/bin/env python3
"""Ingests INPUT into a throw-away copy of a large store and prints the wall time, the peak RSS (VmRSS
sampled every 0.1 s) and the ingest's traced statements over 0.2 s. The copy is the database file copied
and its segment files linked (not copied), so a 97M-event store costs seconds, and the store itself is
left as it was. The figures of docs/PERFORMANCE.md's "Session 24" come from it.

Usage: tools/ingest-into-copy.py QSENTRY_BINARY STORE.duckdb INPUT [--config FILE] [--copy DIR] [--detect]
  e.g. tools/ingest-into-copy.py target/release/qsentry /tmp/qbs10/rb7.duckdb /tmp/day/DEVC --config /tmp/day/qsentry.toml
"""
import argparse
import glob
import os
import shutil
import subprocess
import threading
import time

ap = argparse.ArgumentParser()
ap.add_argument("binary")
ap.add_argument("store")
ap.add_argument("input")
ap.add_argument("--config")
ap.add_argument("--copy", default="/tmp/ingest-into-copy")
ap.add_argument("--detect", action="store_true", help="run detection after the ingest, as qsentry ingest does by default")
a = ap.parse_args()

segments = a.store[: -len(".duckdb")] + ".events" if a.store.endswith(".duckdb") else a.store + ".events"
shutil.rmtree(a.copy, ignore_errors=True)
os.makedirs(a.copy + "/q.events")
shutil.copy(a.store, a.copy + "/q.duckdb")
for f in glob.glob(os.path.realpath(segments) + "/*.parquet"):
    os.symlink(os.path.realpath(f), a.copy + "/q.events/" + os.path.basename(f))

cmd = [a.binary, "ingest", "--db", a.copy + "/q.duckdb"] + ([] if a.detect else ["--no-detect"])
if a.config:
    cmd += ["--config", a.config]
cmd.append(a.input)
t0 = time.time()
p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                     env=dict(os.environ, QSENTRY_TRACE_SQL="1"))
lines = []


def read():
    for line in p.stderr:
        lines.append((time.time() - t0, line.rstrip()))


reader = threading.Thread(target=read)
reader.start()
peak = (0.0, 0)
while p.poll() is None:
    try:
        with open(f"/proc/{p.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS"):
                    kb = int(line.split()[1])
                    if kb > peak[1]:
                        peak = (time.time() - t0, kb)
    except FileNotFoundError:
        pass
    time.sleep(0.1)
reader.join()
print(f"exit {p.returncode}; wall {time.time() - t0:.2f} s; peak RSS {peak[1] // 1024} MB at {peak[0]:.1f} s")
for t, line in lines:
    slow = line.startswith("sql") and float(line.split()[1]) > 0.2
    if slow or line.startswith(("ingested", "detection")) or p.returncode != 0:
        print(f"{t:7.2f} {line[:160]}")
shutil.rmtree(a.copy, ignore_errors=True)
