"""DynamoDB's expressions evaluated by ddbkit on items held as DynamoDB JSON dicts.

moto's expression parsers are called (through moto_ext) to read an expression's text; what
an expression means for an item (conditions and filters, updates, projections) is decided
here, without moto's item types.
"""
