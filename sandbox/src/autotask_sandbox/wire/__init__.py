"""Autotask's wire: routing (the generated table), dispatch, handlers, auth and Autotask's error bodies."""
