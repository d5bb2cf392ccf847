"""Trust on a Dask cluster: mutual TLS between the grading machine, the scheduler and the workers.

Whoever can talk to a Dask scheduler can run code on its workers, and the workers grade
the whole class. So the cluster speaks TLS only, and only to holders of a certificate
signed by the course's own authority: `python -m autograder tls-certificates DIR` makes
one (with openssl): `ca.pem` (the authority), `cert.pem` and `key.pem` (what the
scheduler, every worker and the grading command present). The sandboxed workers never
reach any of them: they have no network at all (`autograder.isolation.confine`).
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

FILES = ("ca.pem", "cert.pem", "key.pem")


class TlsError(ValueError):
    """The certificates cannot be made or found."""


def make_certificates(folder: Path, days: int = 365) -> list[Path]:
    """A certificate authority and one certificate it signs, in `folder` (keys readable by their
    owner only). Copy the folder to every machine of the cluster, and nowhere else."""
    if shutil.which("openssl") is None:
        raise TlsError("openssl is not installed: install it (Debian: apt-get install openssl)")
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)

    def openssl(*args: str) -> None:
        done = subprocess.run(["openssl", *args], cwd=folder, capture_output=True, text=True)
        if done.returncode:
            raise TlsError(f"openssl {args[0]} failed: {done.stderr.strip().splitlines()[-1:]}")

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", str(days), "-subj", "/CN=autograder course CA",
            "-keyout", "ca-key.pem", "-out", "ca.pem")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=autograder cluster", "-keyout", "key.pem",
            "-out", "cert.csr")
    openssl("x509", "-req", "-in", "cert.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial",
            "-days", str(days), "-out", "cert.pem")
    for name in ("cert.csr", "ca.srl"):
        (folder / name).unlink(missing_ok=True)
    for name in ("ca-key.pem", "key.pem"):
        os.chmod(folder / name, 0o600)
    return [folder / name for name in FILES]


def security(folder: Path):
    """The distributed.Security of a member of the cluster holding the certificates in `folder`."""
    from distributed.security import Security

    missing = [name for name in FILES if not (folder / name).is_file()]
    if missing:
        raise TlsError(f"{folder} lacks {', '.join(missing)}: make them with "
                       "`python -m autograder tls-certificates DIR`")
    ca, cert, key = (str(folder / name) for name in FILES)
    return Security(require_encryption=True, tls_ca_file=ca, tls_client_cert=cert, tls_client_key=key,
                    tls_scheduler_cert=cert, tls_scheduler_key=key, tls_worker_cert=cert, tls_worker_key=key)
