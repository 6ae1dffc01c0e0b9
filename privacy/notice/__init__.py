"""The privacy notice: one Markdown text per language, kept by the Secretariat, read by anyone
(signed out too) at /privacy/."""
