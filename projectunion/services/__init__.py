"""The only code that writes. Each function takes the session and the acting
user, checks permission, changes state through the lifecycle machines,
records audit events and commits once (or rolls everything back)."""
