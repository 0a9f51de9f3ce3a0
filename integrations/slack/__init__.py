"""Slack adapter: slack-bolt (async) listeners that translate to and from the core."""
