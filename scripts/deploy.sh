#!/usr/bin/env bash
# Deploys the Kubernetes manifests of deploy/k8s to one environment with the image built for
# this commit, and waits for the rollout; called by the pipeline's deploy jobs.
#
#   IMAGE=registry.example.com/ectus KUBECONFIG_DATA=<base64 kubeconfig> scripts/deploy.sh staging|production
#
# The environment's namespace is `ectus-<environment>`; its Secret `ectus-secrets` is created
# beforehand (deploy/k8s/README.md). Nothing is applied unless every input is present.
set -euo pipefail
cd "$(dirname "$0")/.."

environment=${1:-}
case $environment in
    staging | production) ;;
    *) echo "usage: scripts/deploy.sh staging|production" >&2; exit 2 ;;
esac
: "${IMAGE:?set IMAGE to the image repository the image job pushed to (secrets.IMAGE_REPOSITORY)}"
: "${KUBECONFIG_DATA:?set KUBECONFIG_DATA to the base64 kubeconfig of the cluster (secrets.KUBECONFIG_DATA)}"
tag=${GITHUB_SHA:-$(git rev-parse HEAD)}
command -v kubectl >/dev/null || { echo "kubectl is needed" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
base64 -d <<<"$KUBECONFIG_DATA" >"$work/kubeconfig"
export KUBECONFIG="$work/kubeconfig"

# An overlay of the shipped manifests: this environment's namespace and this commit's image.
overlay="deploy/k8s/.overlay-$environment"
mkdir -p "$overlay"
trap 'rm -rf "$work" "$overlay"' EXIT
cat >"$overlay/kustomization.yaml" <<YAML
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: ectus-$environment
resources:
  - ..
images:
  - name: ectus
    newName: "$IMAGE"
    newTag: "$tag"
patches:
  # Prometheus looks for the ServiceMonitor's targets in this environment's namespace.
  - target: {kind: ServiceMonitor}
    patch: |-
      - op: replace
        path: /spec/namespaceSelector/matchNames
        value: ["ectus-$environment"]
YAML
kubectl apply -k "$overlay"
for deployment in ectus-api ectus-worker; do
    kubectl -n "ectus-$environment" rollout status "deployment/$deployment" --timeout=10m
done
