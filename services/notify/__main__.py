from services.notify.processes import PROCESSES

raise SystemExit(PROCESSES.main())
