"""Writes on campaigns, one module per action; import the functions from their module."""
