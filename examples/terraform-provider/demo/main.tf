# A Kubernetes cluster template and a 1-master / 2-worker cluster, with its kubeconfig —
# on the embedded simulator (README.md beside this directory) or any cloud with Magnum.
terraform {
  required_providers {
    magnum = { source = "magnum-rs/magnum" }
  }
}

# Credentials come from OS_* / clouds.yaml, as for the openstack CLI. The simulator's
# endpoints are loopback by design, so only the resource checks run at plan time.
provider "magnum" {
  preflight = "resources"
}

resource "magnum_cluster_template" "k8s" {
  name                = "demo-k8s"
  coe                 = "kubernetes"
  image               = "fedora-coreos-40"
  flavor              = "m1.small"
  master_flavor       = "m1.medium"
  external_network_id = "public"
  keypair_id          = "kp"
  network_driver      = "calico"
  labels              = { kube_tag = "v1.30.1" }
}

resource "magnum_cluster" "demo" {
  name                = "demo"
  cluster_template_id = magnum_cluster_template.k8s.id
  master_count        = 1
  node_count          = 2
}

output "api_address" {
  value = magnum_cluster.demo.api_address
}

output "kubeconfig" {
  value     = magnum_cluster.demo.kubeconfig.raw_config
  sensitive = true
}
