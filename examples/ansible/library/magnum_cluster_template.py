#!/usr/bin/python
"""Ansible module: create or delete a Magnum cluster template idempotently, through magnum_sdk."""

DOCUMENTATION = r"""
module: magnum_cluster_template
short_description: Manage an OpenStack Magnum cluster template with magnum_sdk
description:
  - Creates a cluster template when none has the name, deletes it with C(state=absent).
  - An existing template is left as it is (Magnum refuses most changes to a template clusters
    use); the task reports C(changed=false) and returns it.
  - Runs magnum_sdk, so run the task in the Python that has it (C(ansible_python_interpreter)).
version_added: "0.1.0"
author: magnum-rs developers
requirements:
  - python >= 3.9
  - magnum-sdk (C(pip install ./magnum-py))
options:
  cloud:
    description: Cloud name in clouds.yaml; without it C(OS_CLOUD) / C(OS_*) variables are used.
    type: str
  name:
    description: Template name.
    type: str
    required: true
  state:
    description: Whether the template should exist.
    type: str
    default: present
    choices: [present, absent]
  image:
    description: Glance image name or id (required to create).
    type: str
  coe:
    description: Container orchestration engine.
    type: str
    default: kubernetes
  external_network:
    description: Neutron external network name or id.
    type: str
  flavor:
    description: Nova flavor of the workers.
    type: str
  master_flavor:
    description: Nova flavor of the masters.
    type: str
  keypair:
    description: Nova keypair.
    type: str
  labels:
    description: Labels.
    type: dict
"""

EXAMPLES = r"""
- name: A Kubernetes template on Fedora CoreOS
  magnum_cluster_template:
    name: k8s
    image: fedora-coreos-40
    external_network: public
    flavor: m1.small
"""

RETURN = r"""
template:
  description: The template as Magnum shows it.
  returned: when it exists (or existed, for state=absent)
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(
        argument_spec=dict(
            cloud=dict(type="str"),
            name=dict(type="str", required=True),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            image=dict(type="str"),
            coe=dict(type="str", default="kubernetes"),
            external_network=dict(type="str"),
            flavor=dict(type="str"),
            master_flavor=dict(type="str"),
            keypair=dict(type="str", no_log=False),
            labels=dict(type="dict"),
        ),
        supports_check_mode=True,
    )
    try:
        from magnum_sdk import Client, MagnumError, NotFoundError
    except ImportError:
        module.fail_json(msg="magnum_sdk is not installed for this interpreter (%s): pip install ./magnum-py "
                             "there, or set ansible_python_interpreter to the python that has it" % __import__("sys").executable)
    p = module.params
    try:
        client = Client.from_cloud(p["cloud"])
        try:
            template = client.get_cluster_template(p["name"])
        except NotFoundError:
            template = None
        if p["state"] == "absent":
            if template is None:
                module.exit_json(changed=False)
            if not module.check_mode:
                client.delete_cluster_template(template.uuid)
            module.exit_json(changed=True, template=template.to_dict())
        if template is not None:
            module.exit_json(changed=False, template=template.to_dict())
        if not p["image"]:
            module.fail_json(msg="image is required to create cluster template %s" % p["name"])
        if module.check_mode:
            module.exit_json(changed=True, msg="would create cluster template %s" % p["name"])
        template = client.create_cluster_template(
            p["image"], p["coe"], name=p["name"], external_network_id=p["external_network"],
            flavor_id=p["flavor"], master_flavor_id=p["master_flavor"], keypair_id=p["keypair"],
            labels=p["labels"])
        module.exit_json(changed=True, template=template.to_dict())
    except MagnumError as err:
        module.fail_json(msg=str(err), kind=err.kind, status_code=err.status_code, request_id=err.request_id)


if __name__ == "__main__":
    main()
