"""Threads, posts, chat and dialogue sessions (see the later issues)."""
