"""skylift's migration policies: plan rules (:mod:`.plan`), rules on the generated
target's Terraform and Kubernetes files (:mod:`.target`, with :mod:`.network` and
:mod:`.encryption`), the finding shape they share (:mod:`.finding`), and the
``skylift scan`` scanner running both (:mod:`.scanner`).

Layers, top to bottom (an import-linter contract): scanner → plan | target →
encryption → network → finding.
"""
