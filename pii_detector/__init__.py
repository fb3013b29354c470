"""PII classification of proto fields, annotation of .proto files, and the PII gate."""
