"""The Ansible example against the simulator, through magnum-sdk's pytest fixture: no server to
start by hand. `os_cloud` writes a clouds.yaml for a fresh in-process simulator and points
OS_CLIENT_CONFIG_FILE/OS_CLOUD at it; the modules read it as they would a real cloud's."""

import os
import pathlib
import shutil
import subprocess
import sys

import pytest

HERE = pathlib.Path(__file__).resolve().parent.parent


def playbook(name, cloud_env):
    binary = shutil.which("ansible-playbook") or str(pathlib.Path(sys.executable).parent / "ansible-playbook")
    env = dict(os.environ, ANSIBLE_LIBRARY=str(HERE / "library"), ANSIBLE_LOCALHOST_WARNING="false",
               ANSIBLE_INVENTORY_UNPARSED_WARNING="false", **cloud_env)
    return subprocess.run([binary, "-i", "localhost,", "-e", f"ansible_python_interpreter={sys.executable}",
                           str(HERE / name)], env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.magnum_sim(create_seconds=0.5)
def test_the_simulator_playbook_runs_clean(os_cloud, magnum_sim):
    from magnum_sdk import Client

    run = playbook("playbook-sim.yml", {})
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "failed=0" in run.stdout
    # The playbook removes what it made.
    assert Client.from_cloud(os_cloud).list_clusters() == []


def test_a_module_error_names_the_cloud_problem(os_cloud, magnum_sim, tmp_path):
    book = tmp_path / "missing.yml"
    book.write_text(
        "- hosts: localhost\n  connection: local\n  gather_facts: false\n  tasks:\n"
        "    - magnum_cluster:\n        name: nope\n        cluster_template: no-such-template\n"
        "        node_count: 1\n")
    run = playbook(str(book), {})
    assert run.returncode != 0
    assert "no-such-template" in run.stdout, run.stdout[-3000:]
