"""DynamoDB's PartiQL read into the item requests it stands for (ddbkit's own; no moto).

`tokens` splits a statement, `reader` reads paths, literals and conditions, `statements`
reads the four statement forms; operations/statements.py runs
the result as the item operations' stages.
"""
