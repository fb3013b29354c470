"""`protoguard audit`: the whole-repository audit (PII inventory, exposures, history checks)."""
