"""The cluster CA: magnum-rs vs OpenStack Magnum 23.0.0's own x509 code, in one run.

Run by scripts/bench/ca_vs_magnum.sh inside the real-magnum venv (magnum + cryptography 50).
Makes N kubelet-style node CSRs with `cryptography` (not timed), times Magnum's operations the
way its conductor calls them (encrypted PEM keys + passphrases), runs the Rust harness
(examples/ca_bench.rs, release build) on the same CSRs, and prints medians with ratios.
"""
import ipaddress
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

warnings.filterwarnings("ignore")
from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: E402
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID  # noqa: E402

import magnum.conf  # noqa: E402
from magnum.common import short_id  # noqa: E402
from magnum.common.x509 import operations as ops  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
N = int(os.environ.get("BENCH_ITERATIONS", "40"))
magnum.conf.CONF([], project="magnum", default_config_files=[])


def node_csr(i):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    builder = x509.CertificateSigningRequestBuilder().subject_name(x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, f"system:node:node-{i}"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "system:nodes")]))
    builder = builder.add_extension(x509.SubjectAlternativeName([
        x509.DNSName(f"node-{i}"), x509.IPAddress(ipaddress.ip_address(f"10.0.0.{10 + i}"))]), critical=False)
    builder = builder.add_extension(x509.ExtendedKeyUsage([
        ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    builder = builder.add_extension(x509.KeyUsage(True, False, True, False, False, False, False, False, False), critical=True)
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode()


def median_ms(n, fn):
    fn()
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main():
    csrs = [node_csr(i) for i in range(20)]
    work = tempfile.mkdtemp(prefix="ca-bench-")
    for i, csr in enumerate(csrs):
        with open(os.path.join(work, f"node-{i}.csr"), "w") as fh:
            fh.write(csr)
    password = short_id.generate_id()
    ca = ops.generate_ca_certificate("bench", encryption_password=password)
    counter = [0]

    def csr():
        counter[0] += 1
        return csrs[counter[0] % len(csrs)]

    def bundle():
        for _ in range(3):
            ops.generate_ca_certificate("bench", encryption_password=short_id.generate_id())
        ops.generate_client_certificate("bench", "admin", "system:masters", ca["private_key"],
                                        encryption_password=short_id.generate_id(),
                                        ca_key_password=password)

    loaded = serialization.load_pem_private_key(ca["private_key"], password=password.encode())
    magnum_ms = {
        "sign_csr_conductor": median_ms(N, lambda: ops.sign(csr(), "bench", ca["private_key"], password)),
        "sign_csr_cached_ca": median_ms(N, lambda: ops.sign(csr(), "bench", loaded)),
        "ca_generation_rsa": median_ms(N, lambda: ops.generate_ca_certificate("bench", encryption_password=password)),
        "client_cert_rsa": median_ms(N, lambda: ops.generate_client_certificate(
            "bench", "admin", "system:masters", ca["private_key"], encryption_password=password,
            ca_key_password=password)),
        "bundle_rsa": median_ms(max(N // 2, 10), bundle),
    }
    out = subprocess.run(["cargo", "run", "-q", "--release", "-p", "magnum-examples", "--example",
                          "ca_bench", "--", work, str(N)], cwd=REPO, check=True,
                         capture_output=True, text=True).stdout
    rust = json.loads(out)
    rows = [
        ("sign node CSR, loading the encrypted CA PEM", "sign_csr_conductor", "sign_csr_conductor"),
        ("sign node CSR, CA already loaded", "sign_csr_cached_ca", "sign_csr_cached_ca"),
        ("CA generation (RSA-2048, encrypted key)", "ca_generation_rsa", "ca_generation_rsa"),
        ("client certificate (RSA-2048, loads CA PEM)", "client_cert_rsa", "client_cert_rsa"),
        ("cluster bundle RSA, 4 keys in parallel", "bundle_rsa", "bundle_rsa_parallel"),
        ("cluster bundle RSA, single thread", "bundle_rsa", "bundle_rsa_single_thread"),
        ("cluster bundle EC P-256 (Magnum: RSA)", "bundle_rsa", "bundle_ec_p256"),
    ]
    print(f"Median of {N} (bundles {max(N // 2, 10)}); Magnum 23.0.0 + cryptography in this venv vs magnum-rs:")
    print(f"  {'operation':<48} {'Magnum':>10} {'magnum-rs':>10} {'ratio':>8}")
    for label, m_key, r_key in rows:
        m, r = magnum_ms[m_key], rust[r_key]
        print(f"  {label:<48} {m:8.3f}ms {r:8.3f}ms {r / m:7.3f}x")
    print(f"  {'EC P-256 CA generation (magnum-rs only)':<48} {'-':>10} {rust['ca_generation_ec_p256']:8.3f}ms")


if __name__ == "__main__":
    sys.exit(main())
