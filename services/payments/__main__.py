from services.payments.processes import PROCESSES

raise SystemExit(PROCESSES.main())
