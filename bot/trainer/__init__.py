"""Trainers' tools: the NLU inbox, the training-data writer, training jobs, the model
registry with its quality gate, insights, and the command line (``python -m bot.ops.trainer``).

Pure logic only (no Flask): the console's pages are in bot/console/training_views.py.
"""
