"""DynamoDB's PartiQL read into the item requests it stands for (ddbkit's own; no moto).

`tokens` splits a statement, `values` converts `?` parameters and checks literals, `reader`
reads paths, values and conditions, `statements` reads the statement forms (its docstring is
the grammar); operations/statements.py runs the result as the item operations' stages.
"""
