"""Analysis and reporting of sweeps: statistics (``stats``: CIs, tests, effect sizes), the
units and names of metrics (``metric_units``), and the tables of ``gclab report``
(``report``). Figures are in ``framework.plots``."""
