"""End-to-end tests of the Slack adapter over HTTP, against a fake Slack Web API."""
