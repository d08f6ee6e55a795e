"""DynamoDB's expressions evaluated by ddbkit on items held as DynamoDB JSON dicts.

UpdateExpressions are read here (update_grammar.py); moto's condition parser is called
(through moto_ext) to read a condition's text. What an expression means for an item
(conditions and filters, updates, projections) is decided here, without moto's item types.
"""
