"""`python -m api`: the scoring API on its own (the options of `scoring serve`)."""

from api.server import main

raise SystemExit(main())
