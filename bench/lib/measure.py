#!/usr/bin/env python3
"""Runs a command (stdout to /dev/null) RUNS times and prints the best
"wall_s cpu_s peak_anon_mb" of them: wall clock, user+sys CPU of the child, and the
highest RssAnon (anonymous resident memory, not the mapped binlog) sampled every 5 ms
from /proc/PID/status.

    measure.py RUNS CMD...
"""
import os, subprocess, sys, time

def rss_anon_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0

def once(cmd):
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    while True:
        peak = max(peak, rss_anon_kb(p.pid))
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if pid:
            break
        time.sleep(0.005)
    wall = time.perf_counter() - t0
    return wall, ru.ru_utime + ru.ru_stime, peak / 1024

runs, cmd = int(sys.argv[1]), sys.argv[2:]
results = [once(cmd) for _ in range(runs)]
print(f"{min(r[0] for r in results):.2f} {min(r[1] for r in results):.2f} "
      f"{max(r[2] for r in results):.1f}")
