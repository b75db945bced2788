"""Decompose a monolith: propose microservices from its code, data access and traces.

``analyse`` reads the source (Java via tree-sitter, Python via ``ast``) into a
:class:`~skylift.decompose.model.CodeGraph`; ``traces`` weighs it with runtime
call chains; ``partition`` cuts it into services; ``metrics`` scores the cut;
``explain`` says why each class is where it is. ``run.decompose`` joins them.
"""
