import time, tempfile, sys
from pathlib import Path
from jobtui.service import LocalService
from jobtui.engine import JobState
N=int(sys.argv[1])
with tempfile.TemporaryDirectory() as d:
    s = LocalService.persistent(Path(d)/"state", grace=0.5, guardian=False, shell="/bin/sh")
    eng = s.engine if hasattr(s,'engine') else s._engine
    t=time.perf_counter()
    jobs=[eng.start_job("true") for _ in range(N)]
    eng.wait_job(jobs)
    print(N, "monitored true:", time.perf_counter()-t, {j.state for j in jobs})
    s.close() if hasattr(s,'close') else None
