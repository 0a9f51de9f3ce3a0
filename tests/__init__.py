"""Tests for pocbot."""
