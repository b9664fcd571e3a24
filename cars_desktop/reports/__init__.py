"""KPI definitions, queries and exports (the reporting issue); Qt-free so the server can share it."""
