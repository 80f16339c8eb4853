#!/usr/bin/env python3
"""tests/lib/push-raw.py: push an image made of the given layers, byte for byte.

    push-raw.py [OPTIONS] NAME[:TAG] LAYER...
    push-raw.py [OPTIONS] --index NAME[:TAG] MANIFEST...

The first form uploads each LAYER as a blob through the registry's upload API
(POST /v2/NAME/blobs/uploads/, then PUT ?digest=), writes the image config
(rootfs.diff_ids, os/architecture/variant, history) and the manifest itself,
and PUTs them. A LAYER that is a plain tar is compressed as --compress says; a
LAYER that already is gzip or zstd (by its magic) is pushed as it is. Nothing
looks inside the tars, so hostile ones reach the registry untouched.

NAME@ (no tag) PUTs the manifest by its digest only.

The second form PUTs an image index (or, with --docker, a manifest list) of
MANIFESTs already in NAME (tags or sha256: digests); each entry's platform is
read from that image's config.

Prints the digest of the manifest (or index) it pushed. Talks plain HTTP and
answers the registry's 401 challenge: Basic with --creds, or Bearer by asking
the challenge's realm for a token (with --creds as basic auth, if given).
Python's standard library only; `zstd` for --compress zstd.

Options:
  --registry HOST:PORT    default $REGISTRY
  --creds USER:PASS       default $REGISTRY_CREDS
  --compress gzip|zstd|none   for plain tar layers (default gzip)
  --platform OS/ARCH[/VARIANT]    default linux/amd64
  --config JSON           the config's "config" object (default: PATH, Cmd sh)
  --docker                Docker schema2 media types instead of OCI
"""

import base64
import gzip
import hashlib
import http.client
import json
import os
import re
import subprocess
import sys
import urllib.parse
import zlib

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar"
CREATED = "2024-01-01T00:00:00Z"
DEFAULT_CONFIG = {
    "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
    "Cmd": ["sh"],
    "WorkingDir": "/",
}


def die(msg):
    sys.stderr.write("push-raw.py: %s\n" % msg)
    sys.exit(1)


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Registry:
    def __init__(self, host, creds):
        self.host = host
        self.creds = creds
        self.auth = None  # the Authorization header that worked last

    def _basic(self):
        return "Basic " + base64.b64encode(self.creds.encode()).decode()

    def _token(self, challenge, scope):
        params = dict(re.findall(r'(\w+)="([^"]*)"', challenge))
        realm = params.pop("realm", None)
        if not realm:
            die("bearer challenge without realm: %s" % challenge)
        query = {"service": params.get("service", "")}
        query["scope"] = params.get("scope", scope)
        url = urllib.parse.urlsplit(realm)
        conn = http.client.HTTPConnection(url.netloc, timeout=30)
        headers = {"Authorization": self._basic()} if self.creds else {}
        sep = "&" if url.query else "?"
        conn.request("GET", url.path + (("?" + url.query) if url.query else "")
                     + sep + urllib.parse.urlencode(query), headers=headers)
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            die("token service %s answered %d: %s" % (realm, resp.status, body[:300]))
        reply = json.loads(body)
        return "Bearer " + (reply.get("token") or reply["access_token"])

    def request(self, method, path, body=None, headers=None, scope="", ok=(200,)):
        headers = dict(headers or {})
        for attempt in range(2):
            if self.auth:
                headers["Authorization"] = self.auth
            conn = http.client.HTTPConnection(self.host, timeout=120)
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            conn.close()
            if resp.status == 401 and attempt == 0:
                challenge = resp.getheader("WWW-Authenticate", "")
                if challenge.lower().startswith("bearer"):
                    self.auth = self._token(challenge, scope)
                elif challenge.lower().startswith("basic") and self.creds:
                    self.auth = self._basic()
                else:
                    die("%s %s: 401 (%s) and no credentials" % (method, path, challenge))
                continue
            if resp.status not in ok:
                die("%s %s answered %d: %s" % (method, path, resp.status, data[:500]))
            return resp, data
        die("%s %s: still 401 after authenticating" % (method, path))


def push_blob(reg, name, data, scope):
    digest = sha256(data)
    resp, _ = reg.request("HEAD", "/v2/%s/blobs/%s" % (name, digest), scope=scope, ok=(200, 404))
    if resp.status == 200:
        return digest
    resp, _ = reg.request("POST", "/v2/%s/blobs/uploads/" % name, body=b"", scope=scope, ok=(202,))
    loc = urllib.parse.urlsplit(resp.getheader("Location"))
    query = (loc.query + "&" if loc.query else "") + "digest=" + urllib.parse.quote(digest)
    reg.request("PUT", loc.path + "?" + query, body=data, scope=scope, ok=(201,),
                headers={"Content-Type": "application/octet-stream",
                         "Content-Length": str(len(data))})
    return digest


def put_manifest(reg, name, ref, data, media_type, scope):
    resp, _ = reg.request("PUT", "/v2/%s/manifests/%s" % (name, ref), body=data, scope=scope,
                          ok=(201,), headers={"Content-Type": media_type})
    digest = resp.getheader("Docker-Content-Digest") or sha256(data)
    if digest != sha256(data):
        die("registry says the manifest is %s, it is %s" % (digest, sha256(data)))
    return digest


def layer_blob(path, compress, docker):
    """-> (blob bytes, diff_id, media type)"""
    with open(path, "rb") as f:
        data = f.read()
    base = DOCKER_LAYER if docker else OCI_LAYER
    if data[:2] == b"\x1f\x8b":
        return data, sha256(zlib.decompress(data, 47)), base + (".gzip" if docker else "+gzip")
    if data[:4] == b"\x28\xb5\x2f\xfd":
        if docker:
            die("%s: zstd layers need OCI media types (drop --docker)" % path)
        plain = subprocess.run(["zstd", "-d", "-q", "-c"], input=data, check=True,
                               stdout=subprocess.PIPE).stdout
        return data, sha256(plain), base + "+zstd"
    diff_id = sha256(data)
    if compress == "gzip":
        return gzip.compress(data, compresslevel=6, mtime=0), diff_id, base + (".gzip" if docker else "+gzip")
    if compress == "zstd":
        if docker:
            die("zstd layers need OCI media types (drop --docker)")
        blob = subprocess.run(["zstd", "-q", "-c", "-3"], input=data, check=True,
                              stdout=subprocess.PIPE).stdout
        return blob, diff_id, base + "+zstd"
    return data, diff_id, base


def split_ref(ref):
    if "@" in ref:
        return ref.split("@", 1)
    name, sep, tag = ref.rpartition(":")
    if not sep or "/" in tag:
        return ref, "latest"
    return name, tag


def push_image(reg, opts, ref, layers):
    name, tag = split_ref(ref)
    scope = "repository:%s:pull,push" % name
    platform = opts["platform"].split("/")
    if len(platform) not in (2, 3):
        die("--platform: expected OS/ARCH[/VARIANT], got %s" % opts["platform"])
    descs, diff_ids = [], []
    for path in layers:
        blob, diff_id, media = layer_blob(path, opts["compress"], opts["docker"])
        descs.append({"mediaType": media, "digest": push_blob(reg, name, blob, scope),
                      "size": len(blob)})
        diff_ids.append(diff_id)
    config = {"created": CREATED, "architecture": platform[1], "os": platform[0]}
    if len(platform) == 3:
        config["variant"] = platform[2]
    config["config"] = opts["config"]
    config["rootfs"] = {"type": "layers", "diff_ids": diff_ids}
    config["history"] = [{"created": CREATED, "created_by": "push-raw.py %s" % os.path.basename(p)}
                         for p in layers]
    config_bytes = json.dumps(config, separators=(",", ":")).encode()
    manifest = {"schemaVersion": 2,
                "mediaType": DOCKER_MANIFEST if opts["docker"] else OCI_MANIFEST,
                "config": {"mediaType": DOCKER_CONFIG if opts["docker"] else OCI_CONFIG,
                           "digest": push_blob(reg, name, config_bytes, scope),
                           "size": len(config_bytes)},
                "layers": descs}
    data = json.dumps(manifest, separators=(",", ":")).encode()
    return put_manifest(reg, name, tag or sha256(data), data, manifest["mediaType"], scope)


def push_index(reg, opts, ref, members):
    name, tag = split_ref(ref)
    scope = "repository:%s:pull,push" % name
    accept = ", ".join([OCI_MANIFEST, DOCKER_MANIFEST])
    entries = []
    for member in members:
        resp, data = reg.request("GET", "/v2/%s/manifests/%s" % (name, member), scope=scope,
                                 headers={"Accept": accept})
        manifest = json.loads(data)
        _, cdata = reg.request("GET", "/v2/%s/blobs/%s" % (name, manifest["config"]["digest"]),
                               scope=scope)
        config = json.loads(cdata)
        platform = {"architecture": config["architecture"], "os": config["os"]}
        if config.get("variant"):
            platform["variant"] = config["variant"]
        entries.append({"mediaType": resp.getheader("Content-Type").split(";")[0],
                        "digest": sha256(data), "size": len(data), "platform": platform})
    media = DOCKER_LIST if opts["docker"] else OCI_INDEX
    index = {"schemaVersion": 2, "mediaType": media, "manifests": entries}
    data = json.dumps(index, separators=(",", ":")).encode()
    return put_manifest(reg, name, tag, data, media, scope)


def main(argv):
    opts = {"registry": os.environ.get("REGISTRY", ""), "creds": os.environ.get("REGISTRY_CREDS", ""),
            "compress": "gzip", "platform": "linux/amd64", "config": DEFAULT_CONFIG,
            "docker": False, "index": False}
    args = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("-h", "--help"):
            sys.stdout.write(__doc__)
            return 0
        if a in ("--docker", "--index"):
            opts[a[2:]] = True
        elif a in ("--registry", "--creds", "--compress", "--platform", "--config"):
            if i + 1 >= len(argv):
                die("%s needs a value" % a)
            i += 1
            opts[a[2:]] = json.loads(argv[i]) if a == "--config" else argv[i]
        elif a.startswith("--"):
            die("unknown option %s" % a)
        else:
            args.append(a)
        i += 1
    if opts["compress"] not in ("gzip", "zstd", "none"):
        die("--compress: gzip, zstd or none")
    if not opts["registry"]:
        die("no registry: give --registry or set REGISTRY")
    if len(args) < 2:
        die("usage: push-raw.py [OPTIONS] NAME[:TAG] LAYER... (see --help)")
    reg = Registry(opts["registry"], opts["creds"])
    if opts["index"]:
        print(push_index(reg, opts, args[0], args[1:]))
    else:
        print(push_image(reg, opts, args[0], args[1:]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
