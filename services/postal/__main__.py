from services.postal.processes import PROCESSES

raise SystemExit(PROCESSES.main())
