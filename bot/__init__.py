"""mlbot: a terminal question-answering bot over notes on machine-learning job roles."""

__version__ = "0.1.0"
