"""Scenarios: the model of a scripted job life, its loader and the pure lifecycle engine."""
