/* tests/unit/kube/test-decode-volume.c: pod volumes through the public reader */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kube/kube.h"
#include "util/cleanup.h"

#define KUBE_TEST_FILE "pod.yaml"
#include "kube-test.h"

/* Lines 1-10; what a test adds starts on line 11, as fields of volumes[0] at column 5. */
#define VOL                  \
        "apiVersion: v1\n"   \
        "kind: Pod\n"        \
        "metadata:\n"        \
        "  name: web\n"      \
        "spec:\n"            \
        "  containers:\n"    \
        "  - name: app\n"    \
        "    image: nginx\n" \
        "  volumes:\n"       \
        "  - name: data\n"

static const struct kube_volume *
volume(const struct kube_doc *d)
{
        const struct kube_pod *pod = d->objects[0].pod;

        if (d->objects[0].kind != KUBE_POD || !pod || pod->spec.n_volumes == 0)
                abort();
        return &pod->spec.volumes[0];
}

static bool
has_warning(const struct kube_doc *d, const char *path, const char *msg)
{
        for (size_t i = 0; i < d->n_diags; i++)
                if (d->diags[i].severity == KUBE_WARNING && strcmp(d->diags[i].path, path) == 0 &&
                    strcmp(d->diags[i].msg, msg) == 0)
                        return true;
        return false;
}

/* ------------------------------------------------------------ the volume */

static void
test_empty_dir_defaults(void)
{
        static const char y[] = VOL "    emptyDir: {}\n";
        _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc(y);
        const struct kube_volume *v = volume(d);
        char b[1024];

        check_str(first_error(d, b, sizeof(b)), "(no error)");
        check(d->n_diags == 0);
        check_str(v->name, "data");
        check_str(v->loc.file, "pod.yaml");
        check(v->loc.line == 10 && v->loc.col == 5);
        check(v->empty_dir && !v->host_path && !v->config_map && !v->secret);
        check(!v->persistent_volume_claim && !v->downward_api && !v->projected);
        if (!v->empty_dir)
                return;
        check_str(v->empty_dir->medium, "");
        check(v->empty_dir->size_limit.text == NULL);
}

static void
test_empty_dir_memory(void)
{
        static const char y[] = VOL "    emptyDir:\n"
                                    "      medium: Memory\n"
                                    "      sizeLimit: 64Mi\n";
        _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc(y);
        const struct kube_volume *v = volume(d);
        char b[1024];

        check_str(first_error(d, b, sizeof(b)), "(no error)");
        check(v->empty_dir != NULL);
        if (!v->empty_dir)
                return;
        check_str(v->empty_dir->medium, "Memory");
        check_str(v->empty_dir->size_limit.text, "64Mi");
        check(kube_quantity_value(&v->empty_dir->size_limit.q) == 64 * 1024 * 1024);
}

static void
test_empty_dir_hugepages(void)
{
        static const char y[] = VOL "    emptyDir:\n"
                                    "      medium: HugePages-2Mi\n";
        _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc(y);
        char b[1024];

        check_str(first_error(d, b, sizeof(b)), "(no error)");
}

static void
test_empty_dir_medium(void)
{
        check_error(VOL "    emptyDir:\n"
                        "      medium: Disk\n",
                    "pod.yaml:12:15: spec.volumes[0].emptyDir.medium: \"Disk\" is not valid, "
                    "expected \"\" (the node's disk), Memory (a tmpfs), HugePages or "
                    "HugePages-<size> such as HugePages-2Mi");
        check_error(VOL "    emptyDir:\n"
                        "      medium: HugePages-big\n",
                    "pod.yaml:12:15: spec.volumes[0].emptyDir.medium: \"HugePages-big\" is not "
                    "valid, expected \"\" (the node's disk), Memory (a tmpfs), HugePages or "
                    "HugePages-<size> such as HugePages-2Mi");
}

static void
test_empty_dir_size_limit(void)
{
        check_error(VOL "    emptyDir:\n"
                        "      sizeLimit: -1Gi\n",
                    "pod.yaml:12:18: spec.volumes[0].emptyDir.sizeLimit: -1Gi is negative, "
                    "expected 0 or more");
}

static void
test_name(void)
{
        check_error(VOL "    emptyDir: {}\n"
                        "  - name: Cache_Dir\n"
                        "    emptyDir: {}\n",
                    "pod.yaml:12:11: spec.volumes[1].name: \"Cache_Dir\" is not valid, expected a "
                    "DNS-1123 label: at most 63 characters of lowercase letters, "
                    "digits and '-', starting and ending with a letter or digit");
        check_error(VOL "    emptyDir: {}\n"
                        "  - emptyDir: {}\n",
                    "pod.yaml:12:5: spec.volumes[1].name: missing, expected a string");
}

/* ------------------------------------------------------------ sources */

static void
test_no_source(void)
{
        check_error(VOL "  - name: other\n"
                        "    emptyDir: {}\n",
                    "pod.yaml:10:5: spec.volumes[0]: no source, expected one of emptyDir, "
                    "hostPath, configMap, secret, persistentVolumeClaim, downwardAPI or projected");
}

static void
test_null_source(void)
{
        check_error(VOL "    emptyDir:\n",
                    "pod.yaml:11:5: spec.volumes[0].emptyDir: found null, expected a mapping "
                    "(write emptyDir: {} for one with no settings)");
}

static void
test_two_sources(void)
{
        check_error(VOL "    emptyDir: {}\n"
                        "    hostPath:\n"
                        "      path: /srv\n",
                    "pod.yaml:10:5: spec.volumes[0]: found 2 sources (emptyDir, hostPath), "
                    "expected exactly one of emptyDir, hostPath, configMap, secret, "
                    "persistentVolumeClaim, downwardAPI or projected");
}

static void
test_unsupported_source(void)
{
        check_error(VOL "    nfs:\n"
                        "      server: nas.example.com\n"
                        "      path: /exports/data\n",
                    "pod.yaml:11:5: spec.volumes[0].nfs: volume source \"nfs\" is not supported by "
                    "berth, expected one of emptyDir, hostPath, configMap, secret, "
                    "persistentVolumeClaim, downwardAPI or projected (mount it on the host and "
                    "use hostPath)");
        check_error(VOL "    csi:\n"
                        "      driver: example.com/csi\n",
                    "pod.yaml:11:5: spec.volumes[0].csi: volume source \"csi\" is not supported by "
                    "berth, expected one of emptyDir, hostPath, configMap, secret, "
                    "persistentVolumeClaim, downwardAPI or projected");
}

static void
test_unsupported_and_supported(void)
{
        _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc(VOL "    emptyDir: {}\n"
                                                                    "    image:\n"
                                                                    "      reference: busybox\n");
        bool both = false;

        check(d->n_errors == 2);
        for (size_t i = 0; i < d->n_diags; i++)
                both = both ||
                       strcmp(d->diags[i].msg,
                              "found 2 sources (emptyDir, image), expected exactly one of "
                              "emptyDir, hostPath, configMap, secret, persistentVolumeClaim, "
                              "downwardAPI or projected") == 0;
        check(both);
}

static void
test_host_path(void)
{
        static const char y[] = VOL "    hostPath:\n"
                                    "      path: /srv/data\n"
                                    "  - name: sock\n"
                                    "    hostPath:\n"
                                    "      path: /run/podman/podman.sock\n"
                                    "      type: Socket\n";
        _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc(y);
        const struct kube_pod *pod = d->objects[0].pod;
        char b[1024];

        check_str(first_error(d, b, sizeof(b)), "(no error)");
        check(pod->spec.n_volumes == 2);
        if (pod->spec.n_volumes != 2 || !pod->spec.volumes[0].host_path ||
            !pod->spec.volumes[1].host_path)
                return;
        check_str(pod->spec.volumes[0].host_path->path, "/srv/data");
        check_str(pod->spec.volumes[0].host_path->type, "");
        check_str(pod->spec.volumes[1].host_path->type, "Socket");
        check(pod->spec.volumes[1].loc.line == 13 && pod->spec.volumes[1].loc.col == 5);
}

static void
test_host_path_path(void)
{
        check_error(VOL "    hostPath:\n"
                        "      path: srv/data\n",
                    "pod.yaml:12:13: spec.volumes[0].hostPath.path: \"srv/data\" is not valid, "
                    "expected an absolute path, starting with '/'");
        check_error(VOL "    hostPath:\n"
                        "      path: /srv/../etc\n",
                    "pod.yaml:12:13: spec.volumes[0].hostPath.path: \"/srv/../etc\" is not valid, "
                    "expected an absolute path without '..' elements");
        check_error(VOL "    hostPath:\n"
                        "      type: Directory\n",
                    "pod.yaml:12:7: spec.volumes[0].hostPath.path: missing, expected a string");
}

static void
test_host_path_type(void)
{
        check_error(VOL "    hostPath:\n"
                        "      path: /dev/sda\n"
                        "      type: Device\n",
                    "pod.yaml:13:13: spec.volumes[0].hostPath.type: \"Device\" is not valid, "
                    "expected DirectoryOrCreate, Directory, FileOrCreate, File, Socket, CharDevice "
                    "or BlockDevice");
}

static void
test_config_map(void)
{
        static const char y[] = VOL "    configMap:\n"
                                    "      name: web-config\n"
                                    "      items:\n"
                                    "      - key: nginx.conf\n"
                                    "        path: conf/nginx.conf\n"
                                    "        mode: 0600\n"
                                    "      - key: index.html\n"
                                    "        path: index.html\n"
                                    "      optional: true\n";
        _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc(y);
        const struct kube_config_map_volume *cm = volume(d)->config_map;
        char b[1024];

        check_str(first_error(d, b, sizeof(b)), "(no error)");
        check(cm && cm->n_items == 2);
        if (!cm || cm->n_items != 2)
                return;
        check_str(cm->name, "web-config");
        check(cm->default_mode.set && cm->default_mode.v == 0644);
        check(cm->optional.set && cm->optional.v);
        check_str(cm->items[0].key, "nginx.conf");
        check_str(cm->items[0].path, "conf/nginx.conf");
        check(cm->items[0].mode.set && cm->items[0].mode.v == 0600);
        check(!cm->items[1].mode.set);
}

static void
test_config_map_name(void)
{
        check_error(VOL "    configMap:\n"
                        "      optional: true\n",
                    "pod.yaml:12:7: spec.volumes[0].configMap.name: missing, expected a string");
        check_error(VOL "    configMap:\n"
                        "      name: \"\"\n",
                    "pod.yaml:12:13: spec.volumes[0].configMap.name: is empty, expected a value");
}

static void
test_default_mode(void)
{
        static const char y[] = VOL "    configMap:\n"
                                    "      name: web\n"
                                    "      defaultMode: 0400\n";
        _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc(y);
        const struct kube_volume *v = volume(d);

        check(d->n_errors == 0);
        check(v->config_map && v->config_map->default_mode.v == 0400);
        /* a secret's defaultMode, when given, is taken as it is */
        {
                static const char ys[] = VOL "    secret:\n"
                                             "      secretName: tls\n"
                                             "      defaultMode: 0644\n";
                _cleanup_(kube_doc_freep) struct kube_doc *ds = read_doc(ys);
                const struct kube_volume *vs = volume(ds);

                check(ds->n_errors == 0);
                check(vs->secret && vs->secret->default_mode.set &&
                      vs->secret->default_mode.v == 0644);
        }
        /* 644 without the 0 is decimal: Kubernetes refuses it as well */
        check_error(VOL "    configMap:\n"
                        "      name: web\n"
                        "      defaultMode: 644\n",
                    "pod.yaml:13:20: spec.volumes[0].configMap.defaultMode: 644 is out of range, "
                    "expected 0-511 (0777 in octal; YAML reads a leading 0 as octal, as in 0644)");
        check_error(VOL "    secret:\n"
                        "      secretName: tls\n"
                        "      defaultMode: -1\n",
                    "pod.yaml:13:20: spec.volumes[0].secret.defaultMode: -1 is out of range, "
                    "expected 0-511 (0777 in octal; YAML reads a leading 0 as octal, as in 0644)");
}

static void
test_item_mode(void)
{
        check_error(VOL "    configMap:\n"
                        "      name: web\n"
                        "      items:\n"
                        "      - key: a\n"
                        "        path: a\n"
                        "        mode: 01000\n",
                    "pod.yaml:16:15: spec.volumes[0].configMap.items[0].mode: 512 is out of range, "
                    "expected 0-511 (0777 in octal; YAML reads a leading 0 as octal, as in 0644)");
}

static void
test_item_key(void)
{
        check_error(VOL "    configMap:\n"
                        "      name: web\n"
                        "      items:\n"
                        "      - key: my key\n"
                        "        path: key\n",
                    "pod.yaml:14:14: spec.volumes[0].configMap.items[0].key: \"my key\" is not "
                    "valid, expected a ConfigMap or Secret key: at most 253 letters, digits, '-', "
                    "'_' and '.'");
        check_error(VOL "    configMap:\n"
                        "      name: web\n"
                        "      items:\n"
                        "      - path: key\n",
                    "pod.yaml:14:9: spec.volumes[0].configMap.items[0].key: missing, expected a "
                    "string");
}

static void
test_item_path(void)
{
        check_error(VOL "    configMap:\n"
                        "      name: web\n"
                        "      items:\n"
                        "      - key: a\n"
                        "        path: ../a\n",
                    "pod.yaml:15:15: spec.volumes[0].configMap.items[0].path: \"../a\" is not "
                    "valid, expected a relative path without '..' elements");
        /* the kubelet keeps ..data for itself */
        check_error(VOL "    secret:\n"
                        "      secretName: tls\n"
                        "      items:\n"
                        "      - key: a\n"
                        "        path: ..data\n",
                    "pod.yaml:15:15: spec.volumes[0].secret.items[0].path: \"..data\" is not "
                    "valid, expected a relative path not starting with '..'");
        check_error(VOL "    secret:\n"
                        "      secretName: tls\n"
                        "      items:\n"
                        "      - key: a\n"
                        "        path: /etc/a\n",
                    "pod.yaml:15:15: spec.volumes[0].secret.items[0].path: \"/etc/a\" is not "
                    "valid, expected a relative path, not starting with '/'");
        check_error(VOL "    secret:\n"
                        "      secretName: tls\n"
                        "      items:\n"
                        "      - key: a\n",
                    "pod.yaml:14:9: spec.volumes[0].secret.items[0].path: missing, expected a "
                    "string");
}

static void
test_item_path_duplicate(void)
{
        check_error(VOL "    configMap:\n"
                        "      name: web\n"
                        "      items:\n"
                        "      - key: a\n"
                        "        path: conf\n"
                        "      - key: b\n"
                        "        path: conf\n",
                    "pod.yaml:17:15: spec.volumes[0].configMap.items[1].path: \"conf\" is already "
                    "the path of items[0], expected each path once in a volume");
}

static void
test_secret(void)
{
        static const char y[] = VOL "    secret:\n"
                                    "      secretName: tls\n"
                                    "      items:\n"
                                    "      - key: tls.crt\n"
                                    "        path: cert.pem\n";
        _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc(y);
        const struct kube_secret_volume *s = volume(d)->secret;
        char b[1024];

        check_str(first_error(d, b, sizeof(b)), "(no error)");
        check(s && s->n_items == 1);
        if (!s || s->n_items != 1)
                return;
        check_str(s->secret_name, "tls");
        /* berth's default for a secret: 0400 (a configMap's stays Kubernetes' 0644) */
        check(s->default_mode.set && s->default_mode.v == 0400);
        check(!s->optional.set);
        check_str(s->items[0].key, "tls.crt");
        check_str(s->items[0].path, "cert.pem");
}

static void
test_secret_name(void)
{
        check_error(VOL "    secret:\n"
                        "      name: tls\n",
                    "pod.yaml:12:7: spec.volumes[0].secret.secretName: missing, expected a string");
}

static void
test_pvc(void)
{
        static const char y[] = VOL "    persistentVolumeClaim:\n"
                                    "      claimName: pgdata\n"
                                    "      readOnly: true\n";
        _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc(y);
        const struct kube_pvc_volume *p = volume(d)->persistent_volume_claim;
        char b[1024];

        check_str(first_error(d, b, sizeof(b)), "(no error)");
        check(p && p->read_only);
        if (p)
                check_str(p->claim_name, "pgdata");
        check_error(VOL "    persistentVolumeClaim:\n"
                        "      readOnly: true\n",
                    "pod.yaml:12:7: spec.volumes[0].persistentVolumeClaim.claimName: missing, "
                    "expected a string");
}

/* ------------------------------------------------------------ downward API */

static void
test_downward_api(void)
{
        static const char y[] =
                VOL "    downwardAPI:\n"
                    "      items:\n"
                    "      - path: labels\n"
                    "        fieldRef:\n"
                    "          fieldPath: metadata.labels\n"
                    "      - path: app\n"
                    "        fieldRef:\n"
                    "          fieldPath: metadata.labels['app.kubernetes.io/name']\n"
                    "      - path: mem\n"
                    "        resourceFieldRef:\n"
                    "          containerName: app\n"
                    "          resource: limits.memory\n"
                    "          divisor: 1Mi\n"
                    "        mode: 0444\n";
        _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc(y);
        const struct kube_downward_api *a = volume(d)->downward_api;
        char b[1024];

        check_str(first_error(d, b, sizeof(b)), "(no error)");
        check(a && a->n_items == 3);
        if (!a || a->n_items != 3)
                return;
        check(a->default_mode.set && a->default_mode.v == 0644);
        check_str(a->items[0].path, "labels");
        check(a->items[0].field_ref && !a->items[0].resource_field_ref);
        if (a->items[0].field_ref)
                check_str(a->items[0].field_ref->field_path, "metadata.labels");
        check(a->items[1].field_ref != NULL);
        if (a->items[1].field_ref)
                check_str(a->items[1].field_ref->field_path,
                          "metadata.labels['app.kubernetes.io/name']");
        check(a->items[2].resource_field_ref && !a->items[2].field_ref);
        if (a->items[2].resource_field_ref) {
                check_str(a->items[2].resource_field_ref->container_name, "app");
                check_str(a->items[2].resource_field_ref->resource, "limits.memory");
        }
        check(a->items[2].mode.set && a->items[2].mode.v == 0444);
}

static void
test_downward_field_path(void)
{
        check_error(VOL "    downwardAPI:\n"
                        "      items:\n"
                        "      - path: node\n"
                        "        fieldRef:\n"
                        "          fieldPath: spec.nodeName\n",
                    "pod.yaml:15:22: spec.volumes[0].downwardAPI.items[0].fieldRef.fieldPath: "
                    "\"spec.nodeName\" is not supported in a volume, expected metadata.name, "
                    "metadata.namespace, metadata.uid, metadata.labels, metadata.annotations, "
                    "metadata.labels['KEY'] or metadata.annotations['KEY']");
        check_error(VOL "    downwardAPI:\n"
                        "      items:\n"
                        "      - path: name\n"
                        "        fieldRef:\n"
                        "          fieldPath: metadata.name['x']\n",
                    "pod.yaml:15:22: spec.volumes[0].downwardAPI.items[0].fieldRef.fieldPath: "
                    "\"metadata.name['x']\" is not supported in a volume, expected metadata.name, "
                    "metadata.namespace, metadata.uid, metadata.labels, metadata.annotations, "
                    "metadata.labels['KEY'] or metadata.annotations['KEY']");
}

static void
test_downward_subscript(void)
{
        check_error(VOL "    downwardAPI:\n"
                        "      items:\n"
                        "      - path: tier\n"
                        "        fieldRef:\n"
                        "          fieldPath: metadata.labels['-tier']\n",
                    "pod.yaml:15:22: spec.volumes[0].downwardAPI.items[0].fieldRef.fieldPath: "
                    "\"metadata.labels['-tier']\" is not valid, expected a key that is a "
                    "qualified name whose name part starts and ends with a letter or digit");
}

static void
test_downward_annotation_case(void)
{
        static const char y[] =
                VOL "    downwardAPI:\n"
                    "      items:\n"
                    "      - path: owner\n"
                    "        fieldRef:\n"
                    "          fieldPath: metadata.annotations['Example.COM/Owner']\n";
        _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc(y);
        char b[1024];

        check_str(first_error(d, b, sizeof(b)), "(no error)");
}

static void
test_downward_one_source(void)
{
        check_error(VOL "    downwardAPI:\n"
                        "      items:\n"
                        "      - path: x\n"
                        "        fieldRef:\n"
                        "          fieldPath: metadata.name\n"
                        "        resourceFieldRef:\n"
                        "          containerName: app\n"
                        "          resource: limits.cpu\n",
                    "pod.yaml:13:9: spec.volumes[0].downwardAPI.items[0]: found 2 sources "
                    "(fieldRef, resourceFieldRef), expected exactly one of fieldRef or "
                    "resourceFieldRef");
        check_error(VOL "    downwardAPI:\n"
                        "      items:\n"
                        "      - path: x\n"
                        "        mode: 0400\n",
                    "pod.yaml:13:9: spec.volumes[0].downwardAPI.items[0]: no source, expected one "
                    "of fieldRef or resourceFieldRef");
}

static void
test_downward_container_name(void)
{
        check_error(VOL "    downwardAPI:\n"
                        "      items:\n"
                        "      - path: cpu\n"
                        "        resourceFieldRef:\n"
                        "          resource: limits.cpu\n",
                    "pod.yaml:15:11: "
                    "spec.volumes[0].downwardAPI.items[0].resourceFieldRef.containerName: missing, "
                    "expected the name of one of the pod's containers (required in a volume)");
}

static void
test_downward_path_duplicate(void)
{
        check_error(VOL "    downwardAPI:\n"
                        "      items:\n"
                        "      - path: name\n"
                        "        fieldRef:\n"
                        "          fieldPath: metadata.name\n"
                        "      - path: name\n"
                        "        fieldRef:\n"
                        "          fieldPath: metadata.namespace\n",
                    "pod.yaml:16:15: spec.volumes[0].downwardAPI.items[1].path: \"name\" is "
                    "already the path of items[0], expected each path once in a volume");
}

/* ------------------------------------------------------------ projected */

static void
test_projected(void)
{
        static const char y[] = VOL "    projected:\n"
                                    "      defaultMode: 0440\n"
                                    "      sources:\n"
                                    "      - configMap:\n"
                                    "          name: web\n"
                                    "          items:\n"
                                    "          - key: app.conf\n"
                                    "            path: app.conf\n"
                                    "      - secret:\n"
                                    "          name: tls\n"
                                    "          optional: true\n"
                                    "      - downwardAPI:\n"
                                    "          items:\n"
                                    "          - path: ns\n"
                                    "            fieldRef:\n"
                                    "              fieldPath: metadata.namespace\n"
                                    "      - serviceAccountToken:\n"
                                    "          path: token\n";
        _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc(y);
        const struct kube_projected *p = volume(d)->projected;
        char b[1024];

        check_str(first_error(d, b, sizeof(b)), "(no error)");
        check(has_warning(d, "spec.volumes[0].projected.sources[3].serviceAccountToken",
                          "ignored: berth has no API server to issue service account tokens"));
        check(p && p->n_sources == 4);
        if (!p || p->n_sources != 4)
                return;
        check(p->default_mode.set && p->default_mode.v == 0440);
        check(p->sources[0].config_map && !p->sources[0].secret && !p->sources[0].downward_api);
        if (p->sources[0].config_map) {
                check_str(p->sources[0].config_map->name, "web");
                check(p->sources[0].config_map->n_items == 1);
                /* a projection has no defaultMode: the projected volume's applies */
                check(!p->sources[0].config_map->default_mode.set);
        }
        check(p->sources[1].secret != NULL);
        if (p->sources[1].secret) {
                check_str(p->sources[1].secret->secret_name, "tls");
                check(p->sources[1].secret->optional.set && p->sources[1].secret->optional.v);
        }
        check(p->sources[2].downward_api && p->sources[2].downward_api->n_items == 1);
        check(!p->sources[3].config_map && !p->sources[3].secret && !p->sources[3].downward_api);
}

static void
test_projected_default_mode(void)
{
        static const char y[] = VOL "    projected:\n"
                                    "      sources:\n"
                                    "      - secret:\n"
                                    "          name: tls\n";
        _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc(y);
        const struct kube_projected *p = volume(d)->projected;

        check(d->n_errors == 0);
        check(p && p->default_mode.set && p->default_mode.v == 0644);
}

static void
test_projected_two_sources(void)
{
        check_error(VOL "    projected:\n"
                        "      sources:\n"
                        "      - configMap:\n"
                        "          name: web\n"
                        "        secret:\n"
                        "          name: tls\n",
                    "pod.yaml:13:9: spec.volumes[0].projected.sources[0]: found 2 sources "
                    "(configMap, secret), expected at most one of configMap, secret, downwardAPI, "
                    "serviceAccountToken or clusterTrustBundle");
}

static void
test_projected_names(void)
{
        check_error(VOL "    projected:\n"
                        "      sources:\n"
                        "      - secret:\n"
                        "          secretName: tls\n",
                    "pod.yaml:14:11: spec.volumes[0].projected.sources[0].secret.name: missing, "
                    "expected a string");
        check_error(VOL "    projected:\n"
                        "      sources:\n"
                        "      - configMap:\n"
                        "          optional: true\n",
                    "pod.yaml:14:11: spec.volumes[0].projected.sources[0].configMap.name: missing, "
                    "expected a string");
}

static void
test_projected_path_duplicate(void)
{
        check_error(VOL "    projected:\n"
                        "      sources:\n"
                        "      - configMap:\n"
                        "          name: web\n"
                        "          items:\n"
                        "          - key: a\n"
                        "            path: conf\n"
                        "      - secret:\n"
                        "          name: tls\n"
                        "          items:\n"
                        "          - key: b\n"
                        "            path: conf\n",
                    "pod.yaml:22:19: spec.volumes[0].projected.sources[1].secret.items[0].path: "
                    "\"conf\" is already the path of sources[0].configMap.items[0], expected each "
                    "path once in a volume");
}

static void
test_projected_mode(void)
{
        check_error(VOL "    projected:\n"
                        "      defaultMode: 1000\n"
                        "      sources: []\n",
                    "pod.yaml:12:20: spec.volumes[0].projected.defaultMode: 1000 is out of range, "
                    "expected 0-511 (0777 in octal; YAML reads a leading 0 as octal, as in 0644)");
}

int
main(void)
{
        RUN(test_empty_dir_defaults);
        RUN(test_empty_dir_memory);
        RUN(test_empty_dir_hugepages);
        RUN(test_empty_dir_medium);
        RUN(test_empty_dir_size_limit);
        RUN(test_name);
        RUN(test_no_source);
        RUN(test_null_source);
        RUN(test_two_sources);
        RUN(test_unsupported_source);
        RUN(test_unsupported_and_supported);
        RUN(test_host_path);
        RUN(test_host_path_path);
        RUN(test_host_path_type);
        RUN(test_config_map);
        RUN(test_config_map_name);
        RUN(test_default_mode);
        RUN(test_item_mode);
        RUN(test_item_key);
        RUN(test_item_path);
        RUN(test_item_path_duplicate);
        RUN(test_secret);
        RUN(test_secret_name);
        RUN(test_pvc);
        RUN(test_downward_api);
        RUN(test_downward_field_path);
        RUN(test_downward_subscript);
        RUN(test_downward_annotation_case);
        RUN(test_downward_one_source);
        RUN(test_downward_container_name);
        RUN(test_downward_path_duplicate);
        RUN(test_projected);
        RUN(test_projected_default_mode);
        RUN(test_projected_two_sources);
        RUN(test_projected_names);
        RUN(test_projected_path_duplicate);
        RUN(test_projected_mode);
        return check_done();
}
