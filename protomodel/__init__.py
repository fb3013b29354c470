"""The proto model shared by the gate and the PII detector (a leaf package: depends on nothing of ours)."""
