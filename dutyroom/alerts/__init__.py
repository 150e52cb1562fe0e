"""Alerts that reach people: the clock ladder, chases (催报), per-user inboxes and delivery by e-mail, SMS
and webhook through an outbox the worker claims by compare-and-set."""
