#!/usr/bin/env python3
"""tests/lib/token-server.py: a small bearer token service for docker-registry.

The same flow Docker Hub, quay.io and GHCR use: the registry answers 401 with
`WWW-Authenticate: Bearer realm=...,service=...,scope=...`; the client asks
this service for a token (GET /token?service=...&scope=..., or POST /token
with an OAuth2 form) and sends it back as `Authorization: Bearer TOKEN`.

At start it makes an RSA key and a self-signed certificate, writes the
certificate to --cert (the registry's `auth.token.rootcertbundle`), binds
127.0.0.1 on --port (0: a free one) and writes the port to --port-file once
it listens. Tokens are JWTs signed RS256 whose `kid` header is the libtrust key
ID of the public key, which is how docker-registry 2.x finds the key.

Without --user every caller gets the pull/push it asks for (anonymous). With
--user USER:PASS the token endpoint wants those basic credentials, and answers
401 without them. Each request is logged on stderr, one line each.
"""

import argparse
import base64
import datetime
import hashlib
import json
import os
import secrets
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

GRANTABLE = ("pull", "push", "delete", "*")


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def libtrust_key_id(public_key):
    """base32 of the first 30 bytes of SHA-256 of the DER (PKIX) public key,
    in groups of 4 joined by ':' (github.com/docker/libtrust keyIDEncode)."""
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    s = base64.b32encode(hashlib.sha256(der).digest()[:30]).decode().rstrip("=")
    return ":".join(s[i : i + 4] for i in range(0, len(s), 4))


def make_key_and_cert(cert_path, key_path, name):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    write_atomic(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    if key_path:
        write_atomic(
            key_path,
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
        )
    return key


def write_atomic(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, path)


def parse_scope(scope):
    """repository:NAME:pull,push -> (type, name, [actions]); the name may
    hold ':' (a registry host with a port), the type and actions may not."""
    typ, sep, rest = scope.partition(":")
    name, sep2, actions = rest.rpartition(":")
    if not sep or not sep2 or not typ or not name:
        return None
    return typ, name, [a for a in actions.split(",") if a]


class Handler(BaseHTTPRequestHandler):
    server_version = "berth-test-token-server"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("token-server: %s\n" % (fmt % args))
        sys.stderr.flush()

    def send_json(self, code, obj, extra_headers=()):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra_headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def authenticated_user(self):
        """'' for anonymous, the user name, or None when refused."""
        want = self.server.opts.user
        got = self.headers.get("Authorization", "")
        user = ""
        if got.lower().startswith("basic "):
            try:
                user_pass = base64.b64decode(got[6:].strip()).decode()
            except ValueError:
                return None
            if want is not None and user_pass != want:
                return None
            user = user_pass.partition(":")[0]
        elif want is not None:
            return None
        return user

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/healthz":
            self.send_json(200, {"ok": True})
            return
        if url.path != "/token":
            self.send_json(404, {"error": "not found"})
            return
        self.issue(urllib.parse.parse_qs(url.query), form_user=None)

    def do_POST(self):
        # the OAuth2 form some clients use: grant_type=password with
        # username/password, or refresh_token
        url = urllib.parse.urlsplit(self.path)
        n = int(self.headers.get("Content-Length") or 0)
        form = urllib.parse.parse_qs(self.rfile.read(n).decode())
        if url.path != "/token":
            self.send_json(404, {"error": "not found"})
            return
        user = None
        grant = form.get("grant_type", [""])[0]
        if grant == "password":
            user_pass = form.get("username", [""])[0] + ":" + form.get("password", [""])[0]
            want = self.server.opts.user
            user = form.get("username", [""])[0] if want is None or want == user_pass else None
            if user is None:
                self.refuse()
                return
        elif grant == "refresh_token":
            user = self.server.refresh_tokens.get(form.get("refresh_token", [""])[0])
            if user is None:
                self.refuse()
                return
        self.issue(form, form_user=user)

    def refuse(self):
        self.send_json(
            401,
            {"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]},
            [("WWW-Authenticate", 'Basic realm="berth-test-token-server"')],
        )

    def issue(self, params, form_user):
        opts = self.server.opts
        user = form_user if form_user is not None else self.authenticated_user()
        if user is None:
            self.refuse()
            return
        service = params.get("service", [opts.service])[0]
        if service != opts.service:
            self.send_json(400, {"errors": [{"code": "DENIED", "message": "unknown service"}]})
            return
        access = []
        for scope_param in params.get("scope", []):
            for scope in scope_param.split(" "):
                parsed = parse_scope(scope)
                if parsed is None:
                    continue
                typ, name, actions = parsed
                access.append(
                    {"type": typ, "name": name, "actions": [a for a in actions if a in GRANTABLE]}
                )
        now = int(time.time())
        claims = {
            "iss": opts.issuer,
            "sub": user,
            "aud": service,
            "exp": now + opts.expires_in,
            "nbf": now - 10,
            "iat": now,
            "jti": secrets.token_hex(16),
            "access": access,
        }
        token = self.server.sign(claims)
        reply = {
            "token": token,
            "access_token": token,
            "expires_in": opts.expires_in,
            "issued_at": datetime.datetime.fromtimestamp(now, datetime.timezone.utc)
            .isoformat()
            .replace("+00:00", "Z"),
        }
        if form_user is not None or params.get("offline_token", [""])[0] == "true":
            refresh = secrets.token_hex(16)
            self.server.refresh_tokens[refresh] = user
            reply["refresh_token"] = refresh
        self.server.issued += 1
        self.send_json(200, reply)


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, opts, key):
        super().__init__(("127.0.0.1", opts.port), Handler)
        self.opts = opts
        self.key = key
        self.kid = libtrust_key_id(key.public_key())
        self.refresh_tokens = {}
        self.issued = 0

    def sign(self, claims):
        header = {"typ": "JWT", "alg": "RS256", "kid": self.kid}
        signing_input = (
            b64url(json.dumps(header, separators=(",", ":")).encode())
            + "."
            + b64url(json.dumps(claims, separators=(",", ":")).encode())
        )
        sig = self.key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return signing_input + "." + b64url(sig)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--cert", required=True, help="write the PEM certificate here")
    p.add_argument("--key", help="also write the PEM private key here")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file", help="write the bound port here once listening")
    p.add_argument("--issuer", default="berth-test-token-server")
    p.add_argument("--service", default="berth-test-registry")
    p.add_argument("--user", help="USER:PASS the token endpoint requires")
    p.add_argument("--expires-in", type=int, default=300)
    opts = p.parse_args()

    key = make_key_and_cert(opts.cert, opts.key, opts.issuer)
    server = Server(opts, key)
    port = server.server_address[1]
    sys.stderr.write("token-server: listening on 127.0.0.1:%d kid %s\n" % (port, server.kid))
    sys.stderr.flush()
    if opts.port_file:
        write_atomic(opts.port_file, b"%d\n" % port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
