"""Reading untrusted documents outside the web process.

`sandbox.run_job` (the parent side) starts `worker` (the child) under hard limits; the worker
extracts text (`text`), renders previews (`preview`) or stamps a PDF (`watermark`). The worker
never imports Django: it is plain Python and the document libraries, started fresh per job.
"""
