"""Certificates, keys and bcrypt hashes for the web config tests, made at test time with openssl
and Python's crypt (METHOD_BLOWFISH, libxcrypt on Debian 12)."""
import os
import subprocess
import warnings

from harness import require_tool


def openssl(*args, cwd):
    subprocess.run([require_tool("openssl")] + list(args), cwd=cwd, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_ca(directory, name="ca"):
    """A self-signed CA: <name>.pem and <name>_key.pem."""
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", f"/CN=sonde test {name}", "-keyout", f"{name}_key.pem",
            "-out", f"{name}.pem", cwd=directory)


def make_cert(directory, name, ca="ca", cn="localhost", client=False, key_type="rsa:2048"):
    """<name>.pem signed by the CA `ca`, its key <name>_key.pem (for localhost and 127.0.0.1)."""
    ext = os.path.join(directory, f"{name}.ext")
    with open(ext, "w") as f:
        if client:
            f.write("extendedKeyUsage=clientAuth\n")
        else:
            f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
    openssl("req", "-newkey", key_type, "-nodes", "-subj", f"/CN={cn}",
            "-keyout", f"{name}_key.pem", "-out", f"{name}.csr", cwd=directory)
    openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}_key.pem",
            "-CAcreateserial", "-days", "2", "-extfile", ext, "-out", f"{name}.pem", cwd=directory)


def bcrypt_hash(password, rounds=1024):
    """A $2b$ hash of `password` (cost 10 by default) through libxcrypt, as htpasswd -B makes."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import crypt
        return crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=rounds))
