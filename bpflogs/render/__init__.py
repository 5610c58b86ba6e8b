"""Renderers: they present a parsed capture (or later a diff) and compute nothing."""
