"""Generators for Dockerfiles, Kubernetes, Helm, Terraform, Ansible, monitoring."""
