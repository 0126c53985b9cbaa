"""Custom Rasa NLU components: thin adapters from Rasa's graph to the pure functions in bot/."""
