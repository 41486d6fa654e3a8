"""Integrations of webnn with other frameworks, one module each, imported only when named:
``import webnn`` imports none of them (nor the frameworks they use).

- :mod:`webnn.integrations.ray`: batch inference over a Ray Dataset (``map_graph``, ``GraphPredictor``).
"""
