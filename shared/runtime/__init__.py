"""How a service's processes run: the process model (``processes``), the one background-loop runner
(``loops``) and graceful stop on signals (``signals``)."""
