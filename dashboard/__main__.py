"""`python -m dashboard`: the advisor dashboard on its own (the options of `scoring dashboard`)."""

from dashboard.server import main

raise SystemExit(main())
