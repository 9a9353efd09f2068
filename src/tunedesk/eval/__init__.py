"""Evaluation: score a model's replies on held-out tickets."""
