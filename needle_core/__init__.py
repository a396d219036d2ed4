"""needle_core: the deep-learning library students build through the course."""
