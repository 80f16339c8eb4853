/* tests/unit/kube/test-decode-pvc.c: PersistentVolumeClaim rules, through the reader */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "kube/kube.h"
#include "kube/names.h"
#include "util/cleanup.h"

#define KUBE_TEST_FILE "x.yaml"
#include "kube-test.h"

#define HEAD "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\nspec:\n"
#define MODES "  accessModes: [ReadWriteOnce]\n"
#define STORAGE(q) "  resources:\n    requests:\n      storage: " q "\n"

static void
test_defaults(void)
{
        _cleanup_(kube_doc_freep) struct kube_doc *d =
                load_valid(HEAD MODES STORAGE("1Gi"), KUBE_PVC);
        const struct kube_pvc *p;

        if (!d)
                return;
        p = d->objects[0].pvc;
        check_str(p->meta.name, "data");
        check_str(p->meta.namespace_, "default");
        check(p->spec.n_access_modes == 1);
        if (p->spec.n_access_modes == 1)
                check_str(p->spec.access_modes[0], "ReadWriteOnce");
        check(p->spec.resources.n_requests == 1);
        if (p->spec.resources.n_requests == 1) {
                check_str(p->spec.resources.requests[0].name, "storage");
                check_str(p->spec.resources.requests[0].qty.text, "1Gi");
                int64_t gi = kube_quantity_value(&p->spec.resources.requests[0].qty.q);

                check(gi == INT64_C(1) << 30);
        }
        check_str(p->spec.volume_mode, "Filesystem");
        check(p->spec.storage_class_name == NULL);
        check(p->spec.volume_name == NULL);
        check(p->spec.selector == NULL);
}

static void
test_explicit_values(void)
{
        _cleanup_(kube_doc_freep) struct kube_doc *d =
                load_valid(HEAD "  accessModes: [ReadOnlyMany, ReadWriteMany]\n"
                                "  storageClassName: \"\"\n"
                                "  volumeMode: Block\n"
                                "  volumeName: pv-1\n"
                                "  selector:\n"
                                "    matchLabels:\n"
                                "      disk: ssd\n"
                                "  resources:\n"
                                "    requests:\n"
                                "      storage: 500Mi\n"
                                "    limits:\n"
                                "      storage: 1Gi\n",
                           KUBE_PVC);
        const struct kube_pvc_spec *s;

        if (!d)
                return;
        s = &d->objects[0].pvc->spec;
        check(s->n_access_modes == 2);
        check_str(s->storage_class_name, "");
        check_str(s->volume_mode, "Block");
        check_str(s->volume_name, "pv-1");
        check(s->selector && s->selector->n_match_labels == 1);
        check(s->resources.n_limits == 1);
}

static void
test_read_write_once_pod_alone(void)
{
        _cleanup_(kube_doc_freep) struct kube_doc *d =
                load_valid(HEAD "  accessModes: [ReadWriteOncePod]\n" STORAGE("1Gi"), KUBE_PVC);

        if (d)
                check_str(d->objects[0].pvc->spec.access_modes[0], "ReadWriteOncePod");
}

static void
test_spec_missing(void)
{
        char buf[1024];

        check_str(only_error("apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: d\n",
                             buf, sizeof(buf)),
                  "x.yaml:1:1: spec: missing, expected a mapping");
}

static void
test_access_modes_missing(void)
{
        char buf[1024];

        check_str(only_error(HEAD STORAGE("1Gi"), buf, sizeof(buf)),
                  "x.yaml:6:3: spec.accessModes: missing, expected a list");
        check_str(only_error(HEAD "  accessModes: []\n" STORAGE("1Gi"), buf, sizeof(buf)),
                  "x.yaml:6:16: spec.accessModes: is empty, expected at least one item");
}

static void
test_access_mode_invalid(void)
{
        char buf[1024];

        check_str(only_error(HEAD "  accessModes: [ReadWrite]\n" STORAGE("1Gi"), buf, sizeof(buf)),
                  "x.yaml:6:17: spec.accessModes[0]: \"ReadWrite\" is not valid, expected "
                  "ReadWriteOnce, ReadOnlyMany, ReadWriteMany or ReadWriteOncePod");
}

static void
test_read_write_once_pod_with_others(void)
{
        char buf[1024];

        check_str(only_error(HEAD
                             "  accessModes: [ReadWriteOncePod, ReadWriteOnce]\n" STORAGE("1Gi"),
                             buf, sizeof(buf)),
                  "x.yaml:6:16: spec.accessModes: ReadWriteOncePod is combined with other access "
                  "modes, expected ReadWriteOncePod alone");
}

static void
test_storage_missing(void)
{
        char buf[1024];
        const char *msg;

        /*
         * Without resources at all the position is spec's (6:3) once knode_pos()
         * skips absent parents; until then it is the document's: check the rest.
         */
        only_error(HEAD MODES, buf, sizeof(buf));
        msg = strchr(buf, ' ');
        check_str(msg ? msg + 1 : buf, "spec.resources.requests[storage]: missing, expected the "
                                       "size of the claim, such as 1Gi");
        check_str(only_error(HEAD MODES "  resources:\n    requests:\n      cpu: 1\n", buf,
                             sizeof(buf)),
                  "x.yaml:9:7: spec.resources.requests[storage]: missing, expected the size of "
                  "the claim, such as 1Gi");
}

static void
test_storage_zero(void)
{
        char buf[1024];

        check_str(only_error(HEAD MODES STORAGE("0"), buf, sizeof(buf)),
                  "x.yaml:9:16: spec.resources.requests[storage]: 0 is zero, expected the size of "
                  "the claim, such as 1Gi");
        check_str(only_error(HEAD MODES STORAGE("0Gi"), buf, sizeof(buf)),
                  "x.yaml:9:16: spec.resources.requests[storage]: 0Gi is zero, expected the size "
                  "of the claim, such as 1Gi");
}

static void
test_storage_negative(void)
{
        char buf[1024];

        check_str(only_error(HEAD MODES STORAGE("-1Gi"), buf, sizeof(buf)),
                  "x.yaml:9:16: spec.resources.requests[storage]: -1Gi is negative, expected 0 or "
                  "more");
}

static void
test_storage_not_quantity(void)
{
        char buf[1024];

        check_str(only_error(HEAD MODES STORAGE("1GB"), buf, sizeof(buf)),
                  "x.yaml:9:16: spec.resources.requests[storage]: \"1GB\" is not a quantity, "
                  "expected a number with an optional suffix such as 500m, 128Mi, 1G or 1e3");
}

static void
test_storage_class_invalid(void)
{
        char buf[1024], want[1024];

        snprintf(want, sizeof(want),
                 "x.yaml:6:21: spec.storageClassName: \"Fast_SSD\" is not valid, expected %s",
                 kube_check_dns1123_subdomain("Fast_SSD"));
        check_str(only_error(HEAD "  storageClassName: Fast_SSD\n" MODES STORAGE("1Gi"), buf,
                             sizeof(buf)),
                  want);
}

static void
test_volume_mode_invalid(void)
{
        char buf[1024];
        const char *msg;

        check_str(only_error(HEAD "  volumeMode: Raw\n" MODES STORAGE("1Gi"), buf, sizeof(buf)),
                  "x.yaml:6:15: spec.volumeMode: \"Raw\" is not valid, expected Filesystem or "
                  "Block");
        /* "" is not absent: Kubernetes defaults only a missing mode */
        only_error(HEAD "  volumeMode: \"\"\n" MODES STORAGE("1Gi"), buf, sizeof(buf));
        msg = strchr(buf, ' ');
        check_str(msg ? msg + 1 : buf,
                  "spec.volumeMode: \"\" is not valid, expected Filesystem or Block");
}

static void
test_data_source_ignored(void)
{
        _cleanup_(kube_doc_freep) struct kube_doc *d =
                load(HEAD MODES STORAGE("1Gi") "  dataSource:\n    kind: VolumeSnapshot\n"
                                               "    name: snap\n");

        check(d != NULL);
        if (!d)
                return;
        check(d->n_errors == 0);
        check(d->n_diags == 1);
        if (d->n_diags != 1)
                return;
        check(d->diags[0].severity == KUBE_WARNING);
        check(d->diags[0].kind == KUBE_DIAG_IGNORED);
        check(d->diags[0].loc.line == 10 && d->diags[0].loc.col == 3);
        check_str(d->diags[0].path, "spec.dataSource");
        check_str(d->diags[0].msg, "ignored: berth creates claims empty; it cannot fill one from a "
                                   "snapshot or another claim");
}

static void
test_container_resource_rules_not_applied(void)
{
        /* a claim's resources are not a container's: no cpu/memory key rules, no limit pairing */
        _cleanup_(kube_doc_freep) struct kube_doc *d = load_valid(HEAD MODES "  resources:\n"
                                                                             "    requests:\n"
                                                                             "      storage: 2Gi\n"
                                                                             "    limits:\n"
                                                                             "      storage: 1Gi\n",
                                                                  KUBE_PVC);

        if (d)
                check(d->objects[0].pvc->spec.resources.n_requests == 1);
}

int
main(void)
{
        RUN(test_defaults);
        RUN(test_explicit_values);
        RUN(test_read_write_once_pod_alone);
        RUN(test_spec_missing);
        RUN(test_access_modes_missing);
        RUN(test_access_mode_invalid);
        RUN(test_read_write_once_pod_with_others);
        RUN(test_storage_missing);
        RUN(test_storage_zero);
        RUN(test_storage_negative);
        RUN(test_storage_not_quantity);
        RUN(test_storage_class_invalid);
        RUN(test_volume_mode_invalid);
        RUN(test_data_source_ignored);
        RUN(test_container_resource_rules_not_applied);
        return check_done();
}
