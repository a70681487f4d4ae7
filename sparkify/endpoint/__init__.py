"""``python -m sparkify.endpoint``: the toolkit's command that runs the engine's endpoint
(:mod:`sparkify.engine.endpoint`) with the settings ``dwh.cfg`` gives, in the foreground or the background."""
