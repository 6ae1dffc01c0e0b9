"""Dialogue workspaces, their rosters and documents (see the workspaces issue)."""
