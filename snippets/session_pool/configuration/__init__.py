"""Examples for the page "Pool configuration": one program per setting."""
