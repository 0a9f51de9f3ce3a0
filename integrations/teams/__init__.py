"""Microsoft Teams adapter: Bot Framework (botbuilder) handler, Adaptive Cards, notifier, app package."""
