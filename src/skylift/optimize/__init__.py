"""Operate: re-right-size VMs and Kubernetes containers from what Prometheus observed (#21)."""
