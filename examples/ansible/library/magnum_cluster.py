#!/usr/bin/python
"""Ansible module: create, resize or delete a Magnum cluster idempotently, through magnum_sdk.

The module is idempotent: ``state: present`` creates the cluster only when no cluster has that
name, resizes the default worker nodegroup only when ``node_count`` differs, and otherwise
reports ``changed: false``; ``state: absent`` deletes only an existing cluster. Check mode
reports what would change without calling the API. With ``wait`` it waits (``timeout``
seconds) and fails with Magnum's ``status_reason`` and per-nodegroup ``faults``.
"""

DOCUMENTATION = r"""
module: magnum_cluster
short_description: Manage an OpenStack Magnum cluster with magnum_sdk
options:
  cloud: {description: Cloud name in clouds.yaml (else OS_CLOUD / OS_* are used), type: str}
  name: {description: Cluster name, type: str, required: true}
  state: {description: present or absent, type: str, default: present, choices: [present, absent]}
  cluster_template: {description: Template name or UUID (required to create), type: str}
  node_count: {description: Worker count, type: int}
  master_count: {description: Master count (creation only), type: int}
  keypair: {description: Nova keypair (creation only), type: str}
  labels: {description: Labels (creation only), type: dict}
  wait: {description: Wait until ready or deleted, type: bool, default: true}
  timeout: {description: Seconds to wait, type: int, default: 3600}
"""

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(
        argument_spec=dict(
            cloud=dict(type="str"),
            name=dict(type="str", required=True),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            cluster_template=dict(type="str"),
            node_count=dict(type="int"),
            master_count=dict(type="int"),
            keypair=dict(type="str", no_log=False),
            labels=dict(type="dict"),
            wait=dict(type="bool", default=True),
            timeout=dict(type="int", default=3600),
        ),
        supports_check_mode=True,
    )
    try:
        from magnum_sdk import Client, ClusterFailedError, MagnumError, NotFoundError
    except ImportError:
        module.fail_json(msg="magnum_sdk is not installed for this interpreter: pip install ./magnum-py")
    p = module.params
    try:
        client = Client.from_cloud(p["cloud"])
        try:
            cluster = client.get_cluster(p["name"])
        except NotFoundError:
            cluster = None
        if p["state"] == "absent":
            if cluster is None:
                module.exit_json(changed=False)
            if not module.check_mode:
                client.delete_cluster(cluster.uuid)
                if p["wait"]:
                    client.wait_cluster_deleted(cluster.uuid, timeout=p["timeout"])
            module.exit_json(changed=True, cluster=cluster.to_dict())
        if cluster is None:
            if not p["cluster_template"]:
                module.fail_json(msg="cluster_template is required to create cluster %s" % p["name"])
            if module.check_mode:
                module.exit_json(changed=True, msg="would create cluster %s" % p["name"])
            uuid = client.create_cluster(p["cluster_template"], name=p["name"], node_count=p["node_count"],
                                         master_count=p["master_count"], keypair=p["keypair"], labels=p["labels"])
            cluster = client.wait_cluster_ready(uuid, timeout=p["timeout"]) if p["wait"] else client.get_cluster(uuid)
            module.exit_json(changed=True, cluster=cluster.to_dict())
        if p["node_count"] is not None and cluster.node_count != p["node_count"]:
            if not module.check_mode:
                client.resize_cluster(cluster.uuid, p["node_count"])
                if p["wait"]:
                    cluster = client.wait_cluster_ready(cluster.uuid, timeout=p["timeout"])
            module.exit_json(changed=True, cluster=cluster.to_dict())
        module.exit_json(changed=False, cluster=cluster.to_dict())
    except ClusterFailedError as err:
        module.fail_json(msg=str(err), status=err.status, status_reason=err.status_reason, faults=err.faults)
    except MagnumError as err:
        module.fail_json(msg=str(err), kind=err.kind, status_code=err.status_code, request_id=err.request_id)


if __name__ == "__main__":
    main()
