"""mgir."""
