"""Models and training loops written on top of needle_core (the library students build)."""
