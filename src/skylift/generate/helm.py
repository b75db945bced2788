"""A Helm chart: the same manifests as ``k8s/``, with image, replicas, resources and the
Gateway's WAF reference as values."""

from __future__ import annotations

from skylift.generate.kubernetes import WAIT_IMAGE, KubeContext
from skylift.generate.render import render


def render_helm(ctx: KubeContext) -> dict[str, str]:
    """Chart.yaml, values.yaml and one template per workload (paths relative to the chart)."""
    files = {
        "Chart.yaml": render("helm/Chart.yaml.j2", ctx=ctx),
        "values.yaml": render("helm/values.yaml.j2", ctx=ctx),
        "templates/namespace.yaml": render("k8s/namespace.yaml.j2", ctx=ctx),
        "templates/networkpolicies.yaml": render("k8s/networkpolicies.yaml.j2", ctx=ctx),
    }
    for w in ctx.workloads:
        files[f"templates/{w.name}.yaml"] = render(
            "k8s/workload.yaml.j2", w=w, ctx=ctx, helm=True, wait_image=WAIT_IMAGE
        )
    if ctx.gateway is not None:
        files["templates/gateway.yaml"] = render("k8s/gateway.yaml.j2", g=ctx.gateway, helm=True)
    return files
