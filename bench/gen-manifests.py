#!/usr/bin/env python3
"""Write a large, valid Kubernetes manifest set for benchmarking.

    bench/gen-manifests.py [--objects N] [--files N] [--seed N] OUTDIR

Writes N objects spread evenly over N files (OUTDIR/manifests-NNN.yaml), each
file a multi-document stream. Kinds are mixed the way a real application
repository mixes them: Deployments with probes, resources, env and volumes,
Pods, ConfigMaps, Secrets and PersistentVolumeClaims. Every object is valid
and every name is unique, so `berth kube validate` must accept the whole set.
The output depends only on the arguments.
"""

import argparse
import base64
import os
import random
import sys

IMAGES = [
    "docker.io/library/nginx:1.25",
    "docker.io/library/busybox:1.36",
    "docker.io/library/redis:7.2",
    "docker.io/library/postgres:16",
    "quay.io/prometheus/node-exporter:v1.8.1",
]
CPU = ["50m", "100m", "250m", "500m", "1", "2"]
MEM = ["32Mi", "64Mi", "128Mi", "256Mi", "512Mi", "1Gi"]


def labels(rng, app, indent):
    pad = " " * indent
    out = [f"{pad}app.kubernetes.io/name: {app}", f"{pad}app.kubernetes.io/part-of: bench"]
    if rng.random() < 0.5:
        out.append(f"{pad}tier: {rng.choice(['frontend', 'backend', 'cache', 'batch'])}")
    return "\n".join(out)


def resources(rng, indent):
    pad = " " * indent
    i = rng.randrange(len(CPU) - 1)
    j = rng.randrange(len(MEM) - 1)
    return (f"{pad}resources:\n"
            f"{pad}  requests:\n{pad}    cpu: {CPU[i]}\n{pad}    memory: {MEM[j]}\n"
            f"{pad}  limits:\n{pad}    cpu: {CPU[i + 1]}\n{pad}    memory: {MEM[j + 1]}\n")


def container(rng, name, n, indent, probes, idx=0):
    """A container; idx keeps port numbers and names distinct within a pod."""
    pad = " " * indent
    port = rng.choice([80, 8080, 8443, 9090]) + idx
    pname = "http" if idx == 0 else f"http-{idx}"
    s = (f"{pad}- name: {name}\n"
         f"{pad}  image: {rng.choice(IMAGES)}\n"
         f"{pad}  imagePullPolicy: IfNotPresent\n"
         f"{pad}  command: [\"sh\", \"-c\", \"exec httpd -f -p {port}\"]\n"
         f"{pad}  ports:\n"
         f"{pad}    - name: {pname}\n{pad}      containerPort: {port}\n{pad}      protocol: TCP\n"
         f"{pad}  env:\n"
         f"{pad}    - name: INSTANCE\n{pad}      value: \"{n}\"\n"
         f"{pad}    - name: POD_NAME\n{pad}      valueFrom:\n"
         f"{pad}        fieldRef:\n{pad}          fieldPath: metadata.name\n"
         f"{pad}    - name: LOG_LEVEL\n{pad}      valueFrom:\n"
         f"{pad}        configMapKeyRef:\n{pad}          name: config-{n:05d}\n"
         f"{pad}          key: LOG_LEVEL\n{pad}          optional: true\n")
    s += resources(rng, indent + 2)
    if probes:
        s += (f"{pad}  startupProbe:\n{pad}    httpGet:\n{pad}      path: /healthz\n"
              f"{pad}      port: {pname}\n{pad}    periodSeconds: 2\n{pad}    failureThreshold: 30\n"
              f"{pad}  livenessProbe:\n{pad}    tcpSocket:\n{pad}      port: {port}\n"
              f"{pad}    periodSeconds: 10\n"
              f"{pad}  readinessProbe:\n{pad}    exec:\n"
              f"{pad}      command: [\"test\", \"-f\", \"/tmp/ready\"]\n{pad}    periodSeconds: 5\n"
              f"{pad}  lifecycle:\n{pad}    preStop:\n{pad}      exec:\n"
              f"{pad}        command: [\"sh\", \"-c\", \"sleep 5\"]\n")
    s += (f"{pad}  volumeMounts:\n"
          f"{pad}    - name: config\n{pad}      mountPath: /etc/app\n{pad}      readOnly: true\n"
          f"{pad}    - name: scratch\n{pad}      mountPath: /tmp\n")
    s += (f"{pad}  securityContext:\n{pad}    allowPrivilegeEscalation: false\n"
          f"{pad}    capabilities:\n{pad}      drop: [\"ALL\"]\n")
    return s


def volumes(n, indent):
    pad = " " * indent
    return (f"{pad}volumes:\n"
            f"{pad}  - name: config\n{pad}    configMap:\n{pad}      name: config-{n:05d}\n"
            f"{pad}      defaultMode: 0644\n{pad}      optional: true\n"
            f"{pad}  - name: scratch\n{pad}    emptyDir:\n{pad}      sizeLimit: 256Mi\n")


def deployment(rng, n):
    app = f"app-{n:05d}"
    c = "".join(container(rng, f"c{i}", n, 8, probes=True, idx=i) for i in range(rng.choice([1, 1, 2])))
    return (f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {app}\n"
            f"  labels:\n{labels(rng, app, 4)}\n"
            f"spec:\n  replicas: {rng.randint(1, 5)}\n"
            f"  selector:\n    matchLabels:\n      app.kubernetes.io/name: {app}\n"
            f"  strategy:\n    type: RollingUpdate\n    rollingUpdate:\n"
            f"      maxUnavailable: 1\n      maxSurge: 25%\n"
            f"  template:\n    metadata:\n      labels:\n        app.kubernetes.io/name: {app}\n"
            f"        app.kubernetes.io/part-of: bench\n"
            f"    spec:\n      terminationGracePeriodSeconds: 30\n      containers:\n{c}"
            f"{volumes(n, 6)}")


def pod(rng, n):
    app = f"pod-{n:05d}"
    return (f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: {app}\n"
            f"  labels:\n{labels(rng, app, 4)}\n"
            f"spec:\n  restartPolicy: {rng.choice(['Always', 'OnFailure', 'Never'])}\n"
            f"  containers:\n{container(rng, 'main', n, 4, probes=rng.random() < 0.5)}"
            f"{volumes(n, 2)}")


def configmap(rng, n):
    lines = "".join(f"  KEY_{k}: \"value-{rng.randrange(10**6)}\"\n" for k in range(rng.randint(3, 10)))
    return (f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: config-{n:05d}\n"
            f"  labels:\n{labels(rng, f'config-{n:05d}', 4)}\n"
            f"data:\n  LOG_LEVEL: info\n{lines}"
            f"  app.properties: |\n    threads={rng.randint(1, 64)}\n    cache=on\n"
            f"    endpoint=https://api.example.test/v{rng.randint(1, 3)}\n")


def secret(rng, n):
    raw = bytes(rng.randrange(256) for _ in range(rng.randint(16, 64)))
    return (f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: secret-{n:05d}\n"
            f"type: Opaque\ndata:\n  token: {base64.b64encode(raw).decode()}\n"
            f"  username: {base64.b64encode(f'user{n}'.encode()).decode()}\n"
            f"stringData:\n  password: pw-{rng.randrange(10**9)}\n")


def pvc(rng, n):
    mode = rng.choice(["ReadWriteOnce", "ReadWriteMany", "ReadOnlyMany"])
    return (f"apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data-{n:05d}\n"
            f"spec:\n  accessModes: [{mode}]\n  volumeMode: Filesystem\n"
            f"  resources:\n    requests:\n      storage: {rng.choice(['1Gi', '10Gi', '500Mi', '2T'])}\n")


# Share of each kind, out of 100.
KINDS = [(deployment, 30), (pod, 25), (configmap, 20), (secret, 10), (pvc, 15)]


def main():
    ap = argparse.ArgumentParser(description="Write a large, valid Kubernetes manifest set.")
    ap.add_argument("--objects", type=int, default=5000)
    ap.add_argument("--files", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("outdir")
    a = ap.parse_args()
    if a.objects < 1 or a.files < 1 or a.files > a.objects:
        ap.error("need 1 <= files <= objects")

    rng = random.Random(a.seed)
    pool = [f for f, w in KINDS for _ in range(w)]
    os.makedirs(a.outdir, exist_ok=True)
    per, extra = divmod(a.objects, a.files)
    n = 0
    for i in range(a.files):
        docs = []
        for _ in range(per + (1 if i < extra else 0)):
            docs.append(rng.choice(pool)(rng, n))
            n += 1
        with open(os.path.join(a.outdir, f"manifests-{i:03d}.yaml"), "w") as f:
            f.write("---\n".join(docs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
