"""The understanding stages, in pipeline order; each module is one stage with plain data in and out:

normalise -> lexicon -> reading -> entities -> intents -> context

Nothing here prints, reads files or imports prompt_toolkit.
"""
