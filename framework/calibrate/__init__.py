"""Fitting the ``[cost]`` section to real Go runs (``gclab calibrate``).

- ``reference``: reads recorded runs (gctrace logs, MemStats JSON, the gclab config each
  came from) and checks they belong together;
- ``model``: which cost each ledger count multiplies, and what each target measures;
- ``fit``: simulate, read the ledgers, solve a bounded least-squares problem for the costs,
  simulate again with them, until the costs settle; report the fit, held-out runs apart.

Rule: calibration never changes what the simulator does, only the numbers in ``[cost]``;
it reads the simulator's ledger through ``summary.json`` keys, like any other user.
"""
