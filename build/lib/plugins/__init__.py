"""Built-in SOP plugins: one package per SOP family."""
