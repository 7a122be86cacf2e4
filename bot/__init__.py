"""mlbot: a terminal question-answering bot over a set of notes on job roles."""

__version__ = "0.1.0"
