"""Fakes of the platforms the bot talks to, run as real local servers."""
