"""Webhook callouts of API writes: the events (``events``) and their delivery (``delivery``)."""
