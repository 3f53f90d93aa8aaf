"""Scheduled work: one module per job, and the APScheduler wiring."""
