"""Domain logic, free of web code: routes and pages call these."""
