"""Writes of webhooks: `emit` (called by the campaigns after commit), `sending` (what the
tasks do), `endpoints` (what hosts do). Import the functions from their module."""
