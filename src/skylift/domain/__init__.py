"""Pure values and rules of the migration problem. No I/O, no other skylift imports."""
