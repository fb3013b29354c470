"""Renderings of a verdict: text (rich), Markdown, JSON."""
