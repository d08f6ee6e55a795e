"""DynamoDB's expressions evaluated by ddbkit on items held as DynamoDB JSON dicts.

UpdateExpressions (update_grammar.py) and condition and filter expressions
(condition_grammar.py) are read here, over one tokenizer (expression_reader.py). What an
expression means for an item (conditions and filters, updates, projections) is decided here,
without moto's item types.
"""
