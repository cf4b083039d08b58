"""Checks of a msg and its request parameters: offline ones here, online ones opt-in."""
