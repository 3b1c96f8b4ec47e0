"""Small shared helpers with no domain rules: errors and their HTTP answers, the
OpenAPI descriptions of those answers, pagination, model updates and form errors."""
