"""Handover (交接班) and the duty log (值班日志): the duty room's own record of a shift."""
