"""`tunedesk brief`: the training brief written before any compute is spent (inventory, target, base-model
selection, method, eval and gate, time and cost, risks, plan)."""
