"""Runbook compatibility: ``from config.settings import config`` loads the validated config."""
