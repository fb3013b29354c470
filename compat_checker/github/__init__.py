"""GitHub integration: the Action's entry script and the sticky pull-request comment."""
