"""Reports over the central server's records: the same KPI code as the workstation, run on everything.

The definitions and the arithmetic live once, in the Qt-free `cars_desktop.reports`; this package
only reads the server's `records` table into protocol records (`records`) and wires the report to
the command line and the s.62 log (`kpi_report`, `commands`). That is what makes the numbers on the
server and on a workstation holding the same records agree by construction.
"""
