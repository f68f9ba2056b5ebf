"""Policies around each request: the thread limit, the hourly threshold, faults and the controllable clock."""
