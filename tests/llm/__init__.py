"""Tests of the LLM layer (compat_checker/llm)."""
