"""Thin views over the campaigns: selectors read, services write, templates render."""
