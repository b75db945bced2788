"""``skylift generate``: Dockerfiles, Kubernetes, Helm, Kustomize, Terraform, Ansible, monitoring.

Generators compute a typed context in Python; Jinja2 templates under
``templates/`` only render it. Entry points:

- :func:`skylift.generate.inputs.read_inputs` — app folder / compose / estate → target
- :func:`skylift.generate.pipeline.generate` — target → files (optionally validated)
- :func:`skylift.generate.check.run_checks` — the real validators over a tree
"""
