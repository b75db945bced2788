"""The bundled cloud catalog (instance types, prices) and its loader."""
