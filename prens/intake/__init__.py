"""Taking a submission in: the signature, the body, the form's responses sheet, and storing
it."""
