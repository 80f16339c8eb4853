/*
 * tests/unit/storage/test-manifest.c: manifests, indexes and configs as
 * registries serve them, every refusal with its message, and the choice of
 * a platform from an index.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "check.h"
#include "storage/manifest.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/digest.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define D3 "sha256:3333333333333333333333333333333333333333333333333333333333333333"
#define D4 "sha256:4444444444444444444444444444444444444444444444444444444444444444"
#define D5 "sha256:5555555555555555555555555555555555555555555555555555555555555555"
#define D6 "sha256:6666666666666666666666666666666666666666666666666666666666666666"
#define D7 "sha256:7777777777777777777777777777777777777777777777777777777777777777"
#define D8 "sha256:8888888888888888888888888888888888888888888888888888888888888888"
#define DA "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define DB "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define DC "sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

#define CT_OCI_MANIFEST MEDIA_TYPE_OCI_MANIFEST
#define CT_OCI_INDEX MEDIA_TYPE_OCI_INDEX
#define CT_DOCKER MEDIA_TYPE_DOCKER_MANIFEST
#define CT_DOCKER_LIST MEDIA_TYPE_DOCKER_LIST

/* The documents are written with ' for " so they stay readable; jq() turns them into JSON. */
static char *
jq(const char *s)
{
        char *d = strdup(s);

        for (char *p = d; p && *p; p++)
                if (*p == '\'')
                        *p = '"';
        return d;
}

static struct manifest *
parse_ok(const char *ct, const char *doc)
{
        _cleanup_free_ char *j = jq(doc);
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct manifest *m = NULL;

        if (manifest_parse(j, strlen(j), ct, &m, &err) < 0) {
                fprintf(stderr, "  unexpected error: %s\n", err ? err->msg : "(none)");
                return NULL;
        }
        return m;
}

static char last_error[2048];

/* The message manifest_parse() fails with, "(parsed)" when it does not */
static const char *
parse_err(const char *ct, const char *doc)
{
        _cleanup_free_ char *j = jq(doc);
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct manifest *m = NULL;
        int r;

        r = manifest_parse(j, strlen(j), ct, &m, &err);
        if (r >= 0) {
                manifest_free(m);
                return "(parsed)";
        }
        if (r != -EINVAL || m)
                return "(wrong return)";
        (void)snprintf(last_error, sizeof(last_error), "%s", err->msg);
        return last_error;
}

static struct image_config *
config_ok(const char *mt, const char *doc)
{
        _cleanup_free_ char *j = jq(doc);
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct image_config *c = NULL;

        if (image_config_parse(j, strlen(j), mt, &c, &err) < 0) {
                fprintf(stderr, "  unexpected error: %s\n", err ? err->msg : "(none)");
                return NULL;
        }
        return c;
}

static const char *
config_err(const char *doc)
{
        _cleanup_free_ char *j = jq(doc);
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct image_config *c = NULL;

        if (image_config_parse(j, strlen(j), MEDIA_TYPE_OCI_CONFIG, &c, &err) >= 0) {
                image_config_free(c);
                return "(parsed)";
        }
        (void)snprintf(last_error, sizeof(last_error), "%s", err->msg);
        return last_error;
}

/* docker.io/library/busybox:1.36 as Docker Hub serves it: a manifest list of 8 platforms */
static const char busybox_list[] =
        "{'manifests':["
        "{'digest':'" D1 "','mediaType':'" CT_DOCKER "','platform':{'architecture':'amd64',"
        "'os':'linux'},'size':528},"
        "{'digest':'" D2 "','mediaType':'" CT_DOCKER "','platform':{'architecture':'arm',"
        "'os':'linux','variant':'v5'},'size':528},"
        "{'digest':'" D3 "','mediaType':'" CT_DOCKER "','platform':{'architecture':'arm',"
        "'os':'linux','variant':'v6'},'size':528},"
        "{'digest':'" D4 "','mediaType':'" CT_DOCKER "','platform':{'architecture':'arm',"
        "'os':'linux','variant':'v7'},'size':528},"
        "{'digest':'" D5 "','mediaType':'" CT_DOCKER "','platform':{'architecture':'arm64',"
        "'os':'linux','variant':'v8'},'size':528},"
        "{'digest':'" D6 "','mediaType':'" CT_DOCKER "','platform':{'architecture':'386',"
        "'os':'linux'},'size':528},"
        "{'digest':'" D7 "','mediaType':'" CT_DOCKER "','platform':{'architecture':'ppc64le',"
        "'os':'linux'},'size':528},"
        "{'digest':'" D8 "','mediaType':'" CT_DOCKER "','platform':{'architecture':'s390x',"
        "'os':'linux'},'size':528}],"
        "'mediaType':'" CT_DOCKER_LIST "','schemaVersion':2}";

/* An OCI index from BuildKit: each image followed by its attestation manifest */
static const char buildkit_index[] =
        "{\n  'schemaVersion': 2,\n  'mediaType': '" CT_OCI_INDEX "',\n  'manifests': [\n"
        "    {'mediaType':'" CT_OCI_MANIFEST "','digest':'" D1 "','size':2290,"
        "'annotations':{'com.docker.official-images.bashbrew.arch':'amd64',"
        "'org.opencontainers.image.base.name':'debian:bookworm-slim'},"
        "'platform':{'architecture':'amd64','os':'linux'}},\n"
        "    {'mediaType':'" CT_OCI_MANIFEST "','digest':'" D2 "','size':841,"
        "'annotations':{'vnd.docker.reference.digest':'" D1 "',"
        "'vnd.docker.reference.type':'attestation-manifest'},"
        "'platform':{'architecture':'unknown','os':'unknown'}},\n"
        "    {'mediaType':'" CT_OCI_MANIFEST "','digest':'" D3 "','size':2290,"
        "'platform':{'architecture':'arm64','os':'linux','variant':'v8'}},\n"
        "    {'mediaType':'" CT_OCI_MANIFEST "','digest':'" D4 "','size':841,"
        "'annotations':{'vnd.docker.reference.digest':'" D3 "',"
        "'vnd.docker.reference.type':'attestation-manifest'},"
        "'platform':{'architecture':'unknown','os':'unknown'}}\n  ]\n}\n";

static const char oci_manifest[] =
        "{'schemaVersion':2,'mediaType':'" CT_OCI_MANIFEST "',"
        "'config':{'mediaType':'application/vnd.oci.image.config.v1+json','digest':'" DC "',"
        "'size':1469},"
        "'layers':["
        "{'mediaType':'application/vnd.oci.image.layer.v1.tar+gzip','digest':'" DA "',"
        "'size':3623807},"
        "{'mediaType':'application/vnd.oci.image.layer.v1.tar+zstd','digest':'" DB "',"
        "'size':1024},"
        "{'mediaType':'application/vnd.oci.image.layer.v1.tar','digest':'" D1 "','size':10240}"
        "],"
        "'annotations':{'org.opencontainers.image.created':'2024-05-01T00:00:00Z',"
        "'org.opencontainers.image.source':'https://example.com/app'}}";

static const char docker_manifest[] =
        "{\n   'schemaVersion': 2,\n   'mediaType': '" CT_DOCKER "',\n"
        "   'config': {\n      'mediaType': 'application/vnd.docker.container.image.v1+json',\n"
        "      'size': 1457,\n      'digest': '" DC "'\n   },\n"
        "   'layers': [\n      {\n"
        "         'mediaType': 'application/vnd.docker.image.rootfs.diff.tar.gzip',\n"
        "         'size': 2152262,\n         'digest': '" DA "'\n      }\n   ]\n}";

static void
test_docker_manifest_list(void)
{
        _cleanup_(manifest_freep) struct manifest *m = parse_ok(CT_DOCKER_LIST, busybox_list);
        _cleanup_free_ char *j = jq(busybox_list);
        char want[DIGEST_STRING_MAX], s[PLATFORM_STRING_MAX];
        const char *names[] = {"linux/amd64",    "linux/arm/v5", "linux/arm/v6",  "linux/arm/v7",
                               "linux/arm64/v8", "linux/386",    "linux/ppc64le", "linux/s390x"};

        check(m != NULL);
        if (!m)
                return;
        check(m->kind == MANIFEST_DOCKER_LIST);
        check(m->index != NULL && m->image == NULL);
        if (!m->index)
                return;
        check(m->index->n_manifests == 8);
        for (size_t i = 0; i < 8 && i < m->index->n_manifests; i++) {
                const struct index_entry *e = &m->index->manifests[i];

                check(e->has_platform);
                platform_format(&e->platform, s);
                check_str(s, names[i]);
                check_str(e->desc.media_type, CT_DOCKER);
                check(e->desc.size == 528);
        }
        check_str(m->index->manifests[4].desc.digest, D5);
        /* the raw bytes and their digest are kept */
        check(m->raw_len == strlen(j) && memcmp(m->raw, j, m->raw_len) == 0);
        check(digest_buffer(j, strlen(j), want) == 0);
        check_str(m->digest, want);
        check(manifest_check_digest(m, want, NULL) == 0);
        /* no Content-Type at all: the mediaType says it */
        manifest_free(parse_ok(NULL, busybox_list));
        check(strcmp(parse_err(NULL, busybox_list), "(parsed)") == 0);
}

static void
test_buildkit_index_with_attestations(void)
{
        _cleanup_(manifest_freep) struct manifest *m = parse_ok(CT_OCI_INDEX, buildkit_index);
        _cleanup_(berr_freep) struct berr *err = NULL;
        const struct index_entry *e = NULL;
        struct platform p;

        check(m != NULL);
        if (!m)
                return;
        check(m->kind == MANIFEST_OCI_INDEX && m->index->n_manifests == 4);
        check_str(descriptor_annotation(&m->index->manifests[1].desc, "vnd.docker.reference.type"),
                  "attestation-manifest");
        check(descriptor_annotation(&m->index->manifests[2].desc, "nope") == NULL);

        check(platform_parse("linux/amd64", &p, NULL) == 0);
        check(manifest_index_choose(m->index, &p, &e, NULL) == 0);
        check(e == &m->index->manifests[0]);
        check(platform_parse("linux/arm64", &p, NULL) == 0);
        check(manifest_index_choose(m->index, &p, &e, NULL) == 0);
        check(e == &m->index->manifests[2]);
        /* unknown/unknown is never chosen, nor listed */
        check(platform_parse("unknown/unknown", &p, NULL) == 0);
        e = NULL;
        check(manifest_index_choose(m->index, &p, &e, &err) == -EINVAL);
        check(e == NULL);
        check_str(err ? err->msg : NULL,
                  "no image for unknown/unknown, the index has linux/amd64, linux/arm64/v8");
}

static void
test_oci_manifest_layers(void)
{
        _cleanup_(manifest_freep) struct manifest *m = parse_ok(CT_OCI_MANIFEST, oci_manifest);
        const struct image_manifest *im;

        check(m != NULL);
        if (!m)
                return;
        im = m->image;
        check(m->kind == MANIFEST_OCI && im && !m->index);
        if (!im)
                return;
        check_str(im->config.media_type, MEDIA_TYPE_OCI_CONFIG);
        check_str(im->config.digest, DC);
        check(im->config.size == 1469);
        check(im->n_layers == 3);
        check(im->layers[0].compression == LAYER_GZIP && !im->layers[0].foreign);
        check(im->layers[0].desc.size == 3623807);
        check(im->layers[1].compression == LAYER_ZSTD);
        check_str(im->layers[1].desc.digest, DB);
        check(im->layers[2].compression == LAYER_UNCOMPRESSED);
        check(im->n_annotations == 2);
        check_str(im->annotations[1].key, "org.opencontainers.image.source");
        check_str(im->annotations[1].value, "https://example.com/app");
        check(im->subject == NULL && im->artifact_type == NULL);

        /* Content-Type parameters and case do not matter; generic ones defer to the document */
        manifest_free(parse_ok("Application/VND.oci.image.manifest.v1+json; charset=utf-8",
                               oci_manifest));
        check(strcmp(parse_err("application/json", oci_manifest), "(parsed)") == 0);
        check(strcmp(parse_err("text/plain", oci_manifest), "(parsed)") == 0);
}

static void
test_docker_manifest(void)
{
        _cleanup_(manifest_freep) struct manifest *m = parse_ok(CT_DOCKER, docker_manifest);

        check(m != NULL);
        if (!m)
                return;
        check(m->kind == MANIFEST_DOCKER);
        check_str(m->image->config.media_type, MEDIA_TYPE_DOCKER_CONFIG);
        check(m->image->n_layers == 1 && m->image->layers[0].compression == LAYER_GZIP);
        check(m->image->layers[0].desc.size == 2152262);
        check_str(manifest_kind_media_type(m->kind), CT_DOCKER);
        check(!manifest_kind_is_index(m->kind) && manifest_kind_is_index(MANIFEST_DOCKER_LIST));
}

static void
test_oci_without_media_type(void)
{
        /* OCI made mediaType optional: Content-Type, else the fields, decide */
        const char man[] = "{'schemaVersion':2,'config':{'mediaType':'" MEDIA_TYPE_OCI_CONFIG
                           "','digest':'" DC "','size':2},'layers':[]}";
        const char idx[] = "{'schemaVersion':2,'manifests':[]}";
        struct manifest *m;

        m = parse_ok(CT_OCI_MANIFEST, man);
        check(m && m->kind == MANIFEST_OCI && m->image->n_layers == 0);
        manifest_free(m);
        m = parse_ok(NULL, man);
        check(m && m->kind == MANIFEST_OCI);
        manifest_free(m);
        m = parse_ok("application/json", idx);
        check(m && m->kind == MANIFEST_OCI_INDEX && m->index->n_manifests == 0);
        manifest_free(m);
}

static void
test_foreign_layer(void)
{
        const char doc[] =
                "{'schemaVersion':2,'mediaType':'" CT_DOCKER
                "','config':{'mediaType':'" MEDIA_TYPE_DOCKER_CONFIG "','size':1,'digest':'" DC
                "'},'layers':["
                "{'mediaType':'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',"
                "'size':1,'digest':'" DA "','urls':['https://mcr.microsoft.com/v2/windows/"
                "servercore/blobs/" DA "']},"
                "{'mediaType':'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',"
                "'size':1,'digest':'" DB "'}]}";
        _cleanup_(manifest_freep) struct manifest *m = parse_ok(CT_DOCKER, doc);
        _cleanup_(berr_freep) struct berr *err = NULL, *err2 = NULL;

        check(m != NULL);
        if (!m)
                return;
        check(m->image->layers[0].foreign && m->image->layers[0].desc.n_urls == 1);
        check(m->image->layers[1].foreign && m->image->layers[1].compression == LAYER_ZSTD);
        check(image_layer_unavailable(&m->image->layers[0], &err) == -EINVAL);
        check_str(err ? err->msg : NULL,
                  "layer " DA " is a foreign layer the registry does not have, and berth does "
                  "not fetch layers from the urls a manifest names ('https://mcr.microsoft.com/"
                  "v2/windows/servercore/blobs/sha256:aaa...')");
        check(image_layer_unavailable(&m->image->layers[1], &err2) == -EINVAL);
        check_str(err2 ? err2->msg : NULL, "layer " DB " is not in the registry");
}

static void
test_embedded_data(void)
{
        /* OCI 1.1's empty descriptor: "{}" inline */
#define EMPTY_DIGEST "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        const char good[] = "{'schemaVersion':2,'config':{'mediaType':'" MEDIA_TYPE_OCI_CONFIG
                            "','digest':'" EMPTY_DIGEST "','size':2,'data':'e30='},'layers':[]}";
        const char bad_size[] =
                "{'schemaVersion':2,'config':{'mediaType':'" MEDIA_TYPE_OCI_CONFIG
                "','digest':'" EMPTY_DIGEST "','size':3,'data':'e30='},'layers':[]}";
        const char bad_digest[] = "{'schemaVersion':2,'config':{'mediaType':'" MEDIA_TYPE_OCI_CONFIG
                                  "','digest':'" DC "','size':2,'data':'e30='},'layers':[]}";
        const char bad_b64[] = "{'schemaVersion':2,'config':{'mediaType':'" MEDIA_TYPE_OCI_CONFIG
                               "','digest':'" DC "','size':2,'data':'e30'},'layers':[]}";

        check_str(parse_err(CT_OCI_MANIFEST, good), "(parsed)");
        check_str(parse_err(CT_OCI_MANIFEST, bad_size),
                  "OCI image manifest: config.data: 2 bytes, but size says 3");
        check_str(parse_err(CT_OCI_MANIFEST, bad_digest),
                  "OCI image manifest: config.data: the bytes have digest " EMPTY_DIGEST
                  ", not " DC);
        check_str(parse_err(CT_OCI_MANIFEST, bad_b64),
                  "OCI image manifest: config.data: not base64");
}

/* A minimal valid OCI manifest with one layer whose descriptor is L */
#define WITH_LAYER(L)                                                                        \
        "{'schemaVersion':2,'config':{'mediaType':'" MEDIA_TYPE_OCI_CONFIG "','digest':'" DC \
        "','size':2},'layers':[{'mediaType':'application/vnd.oci."                           \
        "image.layer.v1.tar','digest':'" DA "','size':1}," L "]}"

#define SCHEMA1                                                                                  \
        "manifest: Docker schema 1 manifests are not supported (deprecated since Docker 1.10): " \
        "push the image again with a current client"

static void
test_manifest_errors(void)
{
        static const struct {
                const char *ct, *doc, *msg;
        } cases[] = {
                {NULL, "{",
                 "manifest: invalid JSON at line 1 column 1: string or '}' expected near end of "
                 "file"},
                {NULL, "",
                 "manifest: invalid JSON at line 1 column 0: '[' or '{' expected near end of file"},
                {NULL, "{'schemaVersion':2,'schemaVersion':2}",
                 "manifest: invalid JSON at line 1 column 34: duplicate object key near "
                 "'\"schemaVersion\"'"},
                {NULL, "{'schemaVersion':2} x",
                 "manifest: invalid JSON at line 1 column 21: end of file expected near 'x'"},
                {NULL, "{'a':'\\u0000'}",
                 "manifest: invalid JSON at line 1 column 13: \\u0000 is not allowed without "
                 "JSON_ALLOW_NUL near '\"\\u0000\"'"},
                {NULL, "[]", "manifest: expected a JSON object, got an array"},
                {NULL, "{}", "manifest: schemaVersion: missing"},
                {NULL, "{'schemaVersion':'2'}",
                 "manifest: schemaVersion: expected an integer, got a string"},
                {NULL, "{'schemaVersion':2.0}",
                 "manifest: schemaVersion: expected an integer, got a number with a fraction or "
                 "exponent"},
                {NULL, "{'schemaVersion':3}", "manifest: schemaVersion: 3, expected 2"},
                {NULL, "{'schemaVersion':1,'name':'library/busybox','fsLayers':[]}", SCHEMA1},
                {"application/vnd.docker.distribution.manifest.v1+prettyjws", "{}", SCHEMA1},
                {"application/vnd.docker.distribution.manifest.v1+json", "{}", SCHEMA1},
                {NULL,
                 "{'schemaVersion':2,'mediaType':'application/vnd.docker.distribution.manifest."
                 "v1+json'}",
                 SCHEMA1},
                {CT_OCI_MANIFEST, "{'schemaVersion':2,'mediaType':'" CT_DOCKER "'}",
                 "manifest: the registry sent Content-Type " CT_OCI_MANIFEST
                 " for a document whose mediaType is " CT_DOCKER},
                {CT_OCI_INDEX, "{'schemaVersion':2,'mediaType':'" CT_DOCKER_LIST "'}",
                 "manifest: the registry sent Content-Type " CT_OCI_INDEX
                 " for a document whose mediaType is " CT_DOCKER_LIST},
                {"text/html; charset=utf-8", "{'schemaVersion':2}",
                 "manifest: the registry sent Content-Type 'text/html', which is not an image "
                 "manifest or index"},
                {NULL,
                 "{'schemaVersion':2,'mediaType':'application/vnd.oci.artifact.manifest.v1+json'}",
                 "manifest: mediaType: 'application/vnd.oci.artifact.manifest.v1+json' is not an "
                 "image manifest or index"},
                {NULL, "{'schemaVersion':2,'mediaType':'json'}",
                 "manifest: mediaType: 'json' is not a media type"},
                {NULL, "{'schemaVersion':2,'mediaType':7}",
                 "manifest: mediaType: expected a string, got an integer"},
                {CT_DOCKER, "{'schemaVersion':2,'config':{},'layers':[]}",
                 "manifest: mediaType: missing, and Docker manifest requires it"},
                {CT_DOCKER_LIST, "{'schemaVersion':2,'manifests':[]}",
                 "manifest: mediaType: missing, and Docker manifest list requires it"},
                {NULL, "{'schemaVersion':2}",
                 "manifest: no mediaType, no telling Content-Type, and neither config nor "
                 "manifests: not an image manifest or index"},
                {CT_OCI_INDEX, "{'schemaVersion':2,'manifests':[],'layers':[]}",
                 "OCI image index: has config or layers as an image manifest does: ambiguous"},
                {CT_OCI_MANIFEST, "{'schemaVersion':2,'manifests':[],'layers':[]}",
                 "OCI image manifest: has manifests as an index does: ambiguous"},
                {CT_OCI_MANIFEST, "{'schemaVersion':2,'layers':[]}",
                 "OCI image manifest: config: missing"},
                {CT_OCI_MANIFEST, "{'schemaVersion':2,'config':null,'layers':[]}",
                 "OCI image manifest: config: expected an object, got null"},
                {CT_OCI_MANIFEST,
                 "{'schemaVersion':2,'config':{'mediaType':'application/vnd.cncf.helm.config.v1+"
                 "json','digest':'" DC "','size':1},'layers':[]}",
                 "OCI image manifest: config.mediaType: 'application/vnd.cncf.helm.config.v1+"
                 "json' is not an image config: not a container image"},
                {CT_OCI_MANIFEST,
                 "{'schemaVersion':2,'config':{'mediaType':'" MEDIA_TYPE_OCI_CONFIG
                 "','digest':'" DC "','size':1}}",
                 "OCI image manifest: layers: missing"},
                {CT_OCI_MANIFEST,
                 "{'schemaVersion':2,'config':{'mediaType':'" MEDIA_TYPE_OCI_CONFIG
                 "','digest':'" DC "','size':1},'layers':{}}",
                 "OCI image manifest: layers: expected an array, got an object"},
                {CT_OCI_MANIFEST,
                 "{'schemaVersion':2,'config':{'digest':'" DC "','size':1},'layers':[]}",
                 "OCI image manifest: config.mediaType: missing"},
                {CT_OCI_MANIFEST,
                 "{'schemaVersion':2,'config':{'mediaType':'" MEDIA_TYPE_OCI_CONFIG
                 "','size':1},'layers':[]}",
                 "OCI image manifest: config.digest: missing"},
                {CT_OCI_MANIFEST,
                 "{'schemaVersion':2,'config':{'mediaType':'" MEDIA_TYPE_OCI_CONFIG
                 "','digest':'" DC "'},'layers':[]}",
                 "OCI image manifest: config.size: missing"},
                {CT_OCI_MANIFEST,
                 WITH_LAYER("{'mediaType':'application/vnd.oci.image.layer.v1.tar','digest':"
                            "'sha512:abc','size':1}"),
                 "OCI image manifest: layers[1].digest: 'sha512:abc' is not a sha256 digest"},
                {CT_OCI_MANIFEST,
                 WITH_LAYER("{'mediaType':'application/vnd.oci.image.layer.v1.tar','digest':"
                            "'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                            "AAAAAAAA','size':1}"),
                 "OCI image manifest: layers[1].digest: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                 "AAAAAAAAAAAAAAAAAAAAAAAAA...' is not a sha256 digest"},
                {CT_OCI_MANIFEST,
                 WITH_LAYER("{'mediaType':'application/vnd.oci.image.layer.v1.tar','digest':'" DB
                            "','size':-1}"),
                 "OCI image manifest: layers[1].size: -1 is out of range (0 to 2^53)"},
                {CT_OCI_MANIFEST,
                 WITH_LAYER("{'mediaType':'application/vnd.oci.image.layer.v1.tar','digest':'" DB
                            "','size':9007199254740993}"),
                 "OCI image manifest: layers[1].size: 9007199254740993 is out of range (0 to "
                 "2^53)"},
                {CT_OCI_MANIFEST,
                 WITH_LAYER("{'mediaType':'application/vnd.oci.image.layer.v1.tar','digest':'" DB
                            "','size':1.5}"),
                 "OCI image manifest: layers[1].size: expected an integer, got a number with a "
                 "fraction or exponent"},
                {CT_OCI_MANIFEST,
                 WITH_LAYER("{'mediaType':'application/vnd.oci.image.layer.v1.tar','digest':'" DB
                            "','size':'1'}"),
                 "OCI image manifest: layers[1].size: expected an integer, got a string"},
                {CT_OCI_MANIFEST,
                 WITH_LAYER("{'mediaType':'application/vnd.in-toto+json','digest':'" DB
                            "','size':1}"),
                 "OCI image manifest: layers[1].mediaType: 'application/vnd.in-toto+json' is not "
                 "a layer type berth can unpack"},
                {CT_OCI_MANIFEST, WITH_LAYER("{'mediaType':'tar','digest':'" DB "','size':1}"),
                 "OCI image manifest: layers[1].mediaType: 'tar' is not a media type"},
                {CT_OCI_MANIFEST,
                 WITH_LAYER("{'mediaType':'a/b\\u001b[31m','digest':'" DB "','size':1}"),
                 "OCI image manifest: layers[1].mediaType: 'a/b\\x1b[31m' is not a media type"},
                {CT_OCI_MANIFEST, WITH_LAYER("'sha256:x'"),
                 "OCI image manifest: layers[1]: expected an object, got a string"},
                {CT_OCI_MANIFEST,
                 WITH_LAYER("{'mediaType':'application/vnd.oci.image.layer.v1.tar','digest':'" DB
                            "','size':1,'urls':[1]}"),
                 "OCI image manifest: layers[1].urls[0]: expected a string, got an integer"},
                {CT_OCI_MANIFEST,
                 WITH_LAYER("{'mediaType':'application/vnd.oci.image.layer.v1.tar','digest':'" DB
                            "','size':1,'urls':['http://a b']}"),
                 "OCI image manifest: layers[1].urls[0]: 'http://a b' is not a URL"},
                {CT_OCI_MANIFEST,
                 WITH_LAYER("{'mediaType':'application/vnd.oci.image.layer.v1.tar','digest':'" DB
                            "','size':1,'annotations':{'x':{}}}"),
                 "OCI image manifest: layers[1].annotations['x']: expected a string, got an "
                 "object"},
                {CT_OCI_MANIFEST,
                 "{'schemaVersion':2,'config':{'mediaType':'" MEDIA_TYPE_OCI_CONFIG
                 "','digest':'" DC "','size':1},'layers':[],'annotations':{'a':1}}",
                 "OCI image manifest: annotations['a']: expected a string, got an integer"},
                {CT_OCI_MANIFEST,
                 "{'schemaVersion':2,'config':{'mediaType':'" MEDIA_TYPE_OCI_CONFIG
                 "','digest':'" DC
                 "','size':1},'layers':[],'subject':{'mediaType':'" CT_OCI_MANIFEST
                 "','digest':'x','size':1}}",
                 "OCI image manifest: subject.digest: 'x' is not a sha256 digest"},
                {CT_OCI_INDEX, "{'schemaVersion':2}", "OCI image index: manifests: missing"},
                {CT_OCI_INDEX, "{'schemaVersion':2,'manifests':['x']}",
                 "OCI image index: manifests[0]: expected an object, got a string"},
                {CT_OCI_INDEX,
                 "{'schemaVersion':2,'manifests':[{'mediaType':'" CT_OCI_MANIFEST "','digest':'" D1
                 "','size':1,'platform':{'architecture':'amd64'}}]}",
                 "OCI image index: manifests[0].platform.os: missing"},
                {CT_OCI_INDEX,
                 "{'schemaVersion':2,'manifests':[{'mediaType':'" CT_OCI_MANIFEST "','digest':'" D1
                 "','size':1,'platform':{'architecture':'','os':'linux'}}]}",
                 "OCI image index: manifests[0].platform.architecture: empty"},
                {CT_OCI_INDEX,
                 "{'schemaVersion':2,'manifests':[{'mediaType':'" CT_OCI_MANIFEST "','digest':'" D1
                 "','size':1,'platform':{'architecture':'arm','os':'linux',"
                 "'variant':'v 7'}}]}",
                 "OCI image index: manifests[0].platform.variant: 'v 7' is not a platform name"},
                {CT_OCI_INDEX,
                 "{'schemaVersion':2,'manifests':[{'mediaType':'" CT_OCI_MANIFEST "','digest':'" D1
                 "','size':1,'platform':{'architecture':'amd64','os':'windows',"
                 "'os.features':'win32k'}}]}",
                 "OCI image index: manifests[0].platform.os.features: expected an array, got a "
                 "string"},
                {CT_OCI_INDEX,
                 "{'schemaVersion':2,'manifests':[{'mediaType':'" CT_OCI_MANIFEST "','digest':'" D1
                 "','size':1,'platform':'linux/amd64'}]}",
                 "OCI image index: manifests[0].platform: expected an object, got a string"},
                {CT_DOCKER_LIST,
                 "{'schemaVersion':2,'mediaType':'" CT_DOCKER_LIST
                 "','manifests':[{'mediaType':'" CT_DOCKER "','digest':'" D1
                 "','size':1,'platform':{'architecture':'amd64',"
                 "'os':'linux'}},{'mediaType':'" CT_DOCKER "','size':1}]}",
                 "Docker manifest list: manifests[1].digest: missing"},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                check_str(parse_err(cases[i].ct, cases[i].doc), cases[i].msg);
}

static void
test_manifest_size_limit(void)
{
        size_t n = MANIFEST_SIZE_MAX + 1;
        _cleanup_free_ char *big = malloc(n);
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct manifest *m = NULL;

        check(big != NULL);
        if (!big)
                return;
        memset(big, ' ', n);
        check(manifest_parse(big, n, NULL, &m, &err) == -EINVAL && m == NULL);
        check_str(err ? err->msg : NULL,
                  "manifest: 4194305 bytes, more than the 4 MiB a registry may serve");
}

static void
test_check_digest(void)
{
        _cleanup_(manifest_freep) struct manifest *m = parse_ok(CT_DOCKER, docker_manifest);
        _cleanup_(berr_freep) struct berr *err = NULL, *err2 = NULL;
        char msg[512];

        check(m != NULL);
        if (!m)
                return;
        check(manifest_check_digest(m, m->digest, NULL) == 0);
        check(manifest_check_digest(m, D1, &err) == -EINVAL);
        (void)snprintf(msg, sizeof(msg), "the registry sent a manifest with digest %s for " D1,
                       m->digest);
        check_str(err ? err->msg : NULL, msg);
        check(manifest_check_digest(m, "latest", &err2) == -EINVAL);
        check_str(err2 ? err2->msg : NULL, "'latest' is not a sha256 digest");
}

static const char oci_config[] =
        "{'architecture':'amd64','author':'someone',"
        "'config':{'User':'nginx','ExposedPorts':{'80/tcp':{},'53/udp':{},'8080':{}},"
        "'Env':['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',"
        "'NGINX_VERSION=1.27.2'],'Entrypoint':['/docker-entrypoint.sh'],"
        "'Cmd':['nginx','-g','daemon off;'],'WorkingDir':'/srv','Labels':"
        "{'maintainer':'NGINX Docker Maintainers <docker-maint@nginx.com>'},"
        "'Volumes':{'/var/cache/nginx':{}},'StopSignal':'SIGQUIT','ArgsEscaped':true},"
        "'created':'2024-10-02T17:55:35.123456789+02:00',"
        "'history':[{'created':'2024-09-26T00:00:00Z','created_by':'/bin/sh -c #(nop) ADD "
        "file:d13afefcc2b0b02b598a3ac2598fe2187db41de1e17820e5b600a955b1429d59 in / '},"
        "{'created':'2024-09-26T00:00:00Z','created_by':'/bin/sh -c #(nop)  CMD [\\'bash\\']',"
        "'empty_layer':true},{'comment':'buildkit.dockerfile.v0','author':'x'}],"
        "'os':'linux','rootfs':{'type':'layers','diff_ids':['" D1 "','" D2 "']}}";

/* Docker writes null for what is not set */
static const char docker_config[] =
        "{'architecture':'arm','variant':'v7','config':{'Hostname':'','Domainname':'',"
        "'User':'','AttachStdin':false,'Tty':false,'Env':['PATH=/bin'],'Cmd':['sh'],"
        "'Image':'sha256:e1b','Volumes':null,'WorkingDir':'','Entrypoint':null,'OnBuild':null,"
        "'Labels':null},'container':'3cb4f8','container_config':{'Cmd':['/bin/sh','-c']},"
        "'created':'2023-05-19T20:19:22.751398522Z','docker_version':'20.10.23',"
        "'history':[{'created':'2023-05-19T20:19:22.642507645Z','created_by':'ADD x in / '}],"
        "'os':'linux','rootfs':{'type':'layers','diff_ids':['" D3 "']}}";

static void
test_config_oci(void)
{
        _cleanup_(image_config_freep) struct image_config *c =
                config_ok(MEDIA_TYPE_OCI_CONFIG, oci_config);
        _cleanup_free_ char *j = jq(oci_config);
        char want[DIGEST_STRING_MAX];

        check(c != NULL);
        if (!c)
                return;
        check_str(c->platform.architecture, "amd64");
        check_str(c->platform.os, "linux");
        check_str(c->platform.variant, "");
        check_str(c->author, "someone");
        check_str(c->created, "2024-10-02T17:55:35.123456789+02:00");
        check(c->created_sec == 1727884535);
        check_str(c->user, "nginx");
        check(c->n_env == 2 && c->env[2] == NULL);
        check_str(c->env[1], "NGINX_VERSION=1.27.2");
        check(c->n_entrypoint == 1);
        check_str(c->entrypoint[0], "/docker-entrypoint.sh");
        check(c->n_cmd == 3);
        check_str(c->cmd[2], "daemon off;");
        check_str(c->working_dir, "/srv");
        check(c->n_labels == 1);
        check_str(c->labels[0].key, "maintainer");
        check(c->n_exposed_ports == 3);
        check(c->exposed_ports[0].port == 80);
        check_str(c->exposed_ports[0].protocol, "tcp");
        check(c->exposed_ports[1].port == 53);
        check_str(c->exposed_ports[1].protocol, "udp");
        check(c->exposed_ports[2].port == 8080);
        check_str(c->exposed_ports[2].protocol, "tcp");
        check(c->n_volumes == 1);
        check_str(c->volumes[0], "/var/cache/nginx");
        check_str(c->stop_signal, "SIGQUIT");
        check(c->n_diff_ids == 2);
        check_str(c->diff_ids[1], D2);
        check(c->n_history == 3);
        check(!c->history[0].empty_layer && c->history[1].empty_layer);
        check_str(c->history[1].created_by, "/bin/sh -c #(nop)  CMD [\"bash\"]");
        check(c->history[2].created == NULL);
        check_str(c->history[2].comment, "buildkit.dockerfile.v0");
        check(digest_buffer(j, strlen(j), want) == 0);
        check_str(c->digest, want);
        check(c->raw_len == strlen(j));
}

static void
test_config_docker_nulls(void)
{
        _cleanup_(image_config_freep) struct image_config *c =
                config_ok(MEDIA_TYPE_DOCKER_CONFIG, docker_config);

        check(c != NULL);
        if (!c)
                return;
        check_str(c->platform.architecture, "arm");
        check_str(c->platform.variant, "v7");
        check(c->entrypoint == NULL && c->n_entrypoint == 0);
        check(c->labels == NULL && c->volumes == NULL);
        check_str(c->user, "");
        check(c->n_cmd == 1 && c->n_diff_ids == 1);
        check_str(c->media_type, MEDIA_TYPE_DOCKER_CONFIG);
}

#define CONFIG(body) \
        "{'architecture':'amd64','os':'linux','rootfs':{'type':'layers','diff_ids':[]}" body "}"

static void
test_config_errors(void)
{
        static const struct {
                const char *doc, *msg;
        } cases[] = {
                {"[", "image config: invalid JSON at line 1 column 1: ']' expected near end of "
                      "file"},
                {"'x'",
                 "image config: invalid JSON at line 1 column 3: '[' or '{' expected near '\"x\"'"},
                {"[{}]", "image config: expected a JSON object, got an array"},
                {"{'os':'linux','rootfs':{'type':'layers','diff_ids':[]}}",
                 "image config: architecture: missing"},
                {"{'architecture':'amd64','os':'','rootfs':{'type':'layers','diff_ids':[]}}",
                 "image config: os: empty"},
                {"{'architecture':'amd64','os':'linux'}", "image config: rootfs: missing"},
                {"{'architecture':'amd64','os':'linux','rootfs':{'type':'layer','diff_ids':[]}}",
                 "image config: rootfs.type: 'layer', expected 'layers'"},
                {"{'architecture':'amd64','os':'linux','rootfs':{'type':'layers'}}",
                 "image config: rootfs.diff_ids: missing"},
                {"{'architecture':'amd64','os':'linux','rootfs':{'type':'layers','diff_ids':['" D1
                 "','sha256:xyz']}}",
                 "image config: rootfs.diff_ids[1]: 'sha256:xyz' is not a sha256 digest"},
                {"{'architecture':'amd64','os':'linux','rootfs':{'type':'layers','diff_ids':[1]}}",
                 "image config: rootfs.diff_ids[0]: expected a string, got an integer"},
                {CONFIG(",'config':[]"), "image config: config: expected an object, got an array"},
                {CONFIG(",'config':{'Env':[1]}"),
                 "image config: config.Env[0]: expected a string, got an integer"},
                {CONFIG(",'config':{'Cmd':'sh'}"),
                 "image config: config.Cmd: expected an array, got a string"},
                {CONFIG(",'config':{'Entrypoint':{}}"),
                 "image config: config.Entrypoint: expected an array, got an object"},
                {CONFIG(",'config':{'User':0}"),
                 "image config: config.User: expected a string, got an integer"},
                {CONFIG(",'config':{'Labels':{'a':true}}"),
                 "image config: config.Labels['a']: expected a string, got a boolean"},
                {CONFIG(",'config':{'ExposedPorts':{'99999/tcp':{}}}"),
                 "image config: config.ExposedPorts['99999/tcp']: not port/protocol (80/tcp, "
                 "53/udp)"},
                {CONFIG(",'config':{'ExposedPorts':{'80/icmp':{}}}"),
                 "image config: config.ExposedPorts['80/icmp']: not port/protocol (80/tcp, "
                 "53/udp)"},
                {CONFIG(",'config':{'ExposedPorts':{'0/tcp':{}}}"),
                 "image config: config.ExposedPorts['0/tcp']: not port/protocol (80/tcp, 53/udp)"},
                {CONFIG(",'config':{'ExposedPorts':{'80/tcp':'yes'}}"),
                 "image config: config.ExposedPorts['80/tcp']: expected an object, got a string"},
                {CONFIG(",'config':{'Volumes':['/data']}"),
                 "image config: config.Volumes: expected an object, got an array"},
                {CONFIG(",'created':'2024-13-01T00:00:00Z'"),
                 "image config: created: '2024-13-01T00:00:00Z' is not an RFC 3339 time"},
                {CONFIG(",'created':'2024-02-30T00:00:00Z'"),
                 "image config: created: '2024-02-30T00:00:00Z' is not an RFC 3339 time"},
                {CONFIG(",'created':'2024-01-01 00:00:00'"),
                 "image config: created: '2024-01-01 00:00:00' is not an RFC 3339 time"},
                {CONFIG(",'history':['x']"),
                 "image config: history[0]: expected an object, got a string"},
                {CONFIG(",'history':[{},{'empty_layer':'true'}]"),
                 "image config: history[1].empty_layer: expected a boolean, got a string"},
                {CONFIG(",'history':[{'created':'yesterday'}]"),
                 "image config: history[0].created: 'yesterday' is not an RFC 3339 time"},
                {CONFIG(",'variant':'v/7'"), "image config: variant: 'v/7' is not a platform name"},
                {CONFIG(",'os.features':[7]"),
                 "image config: os.features[0]: expected a string, got an integer"},
        };
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct image_config *c = NULL;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                check_str(config_err(cases[i].doc), cases[i].msg);
        check(image_config_parse("{}", 2, "application/json", &c, &err) == -EINVAL && !c);
        check_str(err ? err->msg : NULL,
                  "image config: media type 'application/json' is not an image config");
}

static void
test_check_config(void)
{
        _cleanup_(manifest_freep) struct manifest *m = parse_ok(CT_OCI_MANIFEST, oci_manifest);
        _cleanup_(image_config_freep) struct image_config *c =
                config_ok(MEDIA_TYPE_OCI_CONFIG, oci_config);
        _cleanup_(berr_freep) struct berr *e1 = NULL, *e2 = NULL, *e3 = NULL;
        char msg[512];

        check(m && c);
        if (!m || !c)
                return;
        /* the manifest above names DC, 1469 bytes and 3 layers; the config has 2 diff_ids */
        check(manifest_check_config(m->image, c, &e1) == -EINVAL);
        (void)snprintf(msg, sizeof(msg), "image config: digest %s, but the manifest names " DC,
                       c->digest);
        check_str(e1 ? e1->msg : NULL, msg);

        memcpy(m->image->config.digest, c->digest, DIGEST_STRING_MAX);
        check(manifest_check_config(m->image, c, &e2) == -EINVAL);
        (void)snprintf(msg, sizeof(msg), "image config: %zu bytes, but the manifest says 1469",
                       c->raw_len);
        check_str(e2 ? e2->msg : NULL, msg);

        m->image->config.size = c->raw_len;
        check(manifest_check_config(m->image, c, &e3) == -EINVAL);
        check_str(e3 ? e3->msg : NULL,
                  "image config: rootfs.diff_ids lists 2 layers but the manifest has 3");

        /* freed by count: put the third layer back after */
        m->image->n_layers = 2;
        check(manifest_check_config(m->image, c, NULL) == 0);
        m->image->n_layers = 3;
}

static void
test_platform_parse(void)
{
        static const struct {
                const char *in, *os, *arch, *variant;
        } good[] = {
                {"linux/arm64", "linux", "arm64", ""},     {"linux/arm/v7", "linux", "arm", "v7"},
                {"Linux/AMD64", "linux", "amd64", ""},     {"linux/x86_64", "linux", "x86_64", ""},
                {"windows/amd64", "windows", "amd64", ""},
        };
        static const char *const bad[] = {"linux",          "linux/",    "/amd64", "linux//v7",
                                          "linux/arm/v7/x", "linux/a b", "",       "linux/arm/"};

        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                struct platform p;

                check(platform_parse(good[i].in, &p, NULL) == 0);
                check_str(p.os, good[i].os);
                check_str(p.architecture, good[i].arch);
                check_str(p.variant, good[i].variant);
                check(p.os_features == NULL && p.os_version[0] == '\0');
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_(berr_freep) struct berr *err = NULL;
                struct platform p = {.os = "untouched"};
                char want[256];

                check(platform_parse(bad[i], &p, &err) == -EINVAL);
                check_str(p.os, "untouched");
                (void)snprintf(want, sizeof(want),
                               "platform '%s': expected os/arch or os/arch/variant "
                               "(linux/arm64/v8)",
                               bad[i]);
                check_str(err ? err->msg : NULL, want);
        }
}

static void
test_platform_host(void)
{
        struct platform p;
        struct utsname u;
        char s[PLATFORM_STRING_MAX];

        platform_host(&p);
        check_str(p.os, "linux");
        check(p.architecture[0] != '\0');
        check(uname(&u) == 0);
        platform_format(&p, s);
        if (strcmp(u.machine, "x86_64") == 0)
                check_str(s, "linux/amd64");
        else if (strcmp(u.machine, "aarch64") == 0)
                check_str(s, "linux/arm64/v8");
        platform_done(&p);
}

/* An index with one entry per platform string ("os/arch[/variant]", or "-" for none) */
static struct manifest *
index_of(const char *const *platforms, size_t n)
{
        _cleanup_free_ char *doc = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&doc, &len);

        if (!f)
                return NULL;
        fputs("{'schemaVersion':2,'manifests':[", f);
        for (size_t i = 0; i < n; i++) {
                char os[64] = "", arch[64] = "", variant[64] = "";

                fprintf(f, "%s{'mediaType':'" CT_OCI_MANIFEST "','digest':'" D1 "','size':%zu",
                        i ? "," : "", i);
                if (strcmp(platforms[i], "-") != 0) {
                        (void)sscanf(platforms[i], "%63[^/]/%63[^/]/%63s", os, arch, variant);
                        fprintf(f, ",'platform':{'os':'%s','architecture':'%s'", os, arch);
                        if (variant[0])
                                fprintf(f, ",'variant':'%s'", variant);
                        fputs("}", f);
                }
                fputs("}", f);
        }
        fputs("]}", f);
        fclose(f);
        return parse_ok(CT_OCI_INDEX, doc);
}

/* Which entry want picks (its index), -1 when none; the error into msg */
static int
choose(const struct manifest *m, const char *want, char msg[512])
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        const struct index_entry *e = NULL;
        struct platform p;

        msg[0] = '\0';
        if (platform_parse(want, &p, NULL) < 0)
                return -2;
        if (manifest_index_choose(m->index, &p, &e, &err) < 0) {
                (void)snprintf(msg, 512, "%s", err ? err->msg : "");
                return -1;
        }
        return (int)(e - m->index->manifests);
}

static void
test_choose_table(void)
{
        static const char *const plats[] = {
                "linux/amd64", "linux/amd64/v3", "linux/arm/v5",  "linux/arm/v6",
                "linux/arm64", "linux/386",      "windows/amd64", "unknown/unknown",
                "-",           "linux/ppc64le",
        };
        static const struct {
                const char *want;
                int pick;
        } cases[] = {
                {"linux/amd64", 0},    {"linux/x86_64", 0},   {"linux/x86-64", 0},
                {"linux/amd64/v1", 0}, {"linux/amd64/v2", 0}, {"linux/amd64/v3", 1},
                {"linux/amd64/v4", 1}, {"linux/arm64", 4},    {"linux/aarch64", 4},
                {"linux/arm64/v8", 4}, {"linux/arm64/8", 4},  {"linux/arm64/v9", 4},
                {"linux/arm/v7", 3},   {"linux/arm", 3},      {"linux/armhf", 3},
                {"linux/armel", 3},    {"linux/arm/v6", 3},   {"linux/arm/v5", 2},
                {"linux/arm/v8", 3},   {"linux/i386", 5},     {"linux/386", 5},
                {"windows/amd64", 6},  {"LINUX/PPC64LE", 9},  {"linux/s390x", -1},
                {"linux/arm/v4", -1},  {"darwin/arm64", -1},  {"linux/riscv64", -1},
        };
        _cleanup_(manifest_freep) struct manifest *m = index_of(plats, ELEMENTSOF(plats));
        char msg[512];

        check(m != NULL);
        if (!m)
                return;
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                int got = choose(m, cases[i].want, msg);

                if (got != cases[i].pick)
                        fprintf(stderr, "  %s: picked %d, want %d\n", cases[i].want, got,
                                cases[i].pick);
                check(got == cases[i].pick);
        }
        check(choose(m, "linux/s390x", msg) == -1);
        check_str(msg, "no image for linux/s390x, the index has linux/amd64, linux/amd64/v3, "
                       "linux/arm/v5, linux/arm/v6, linux/arm64, linux/386, windows/amd64, "
                       "linux/ppc64le");
}

static void
test_choose_preferences(void)
{
        static const char *const arm[] = {"linux/arm/v5", "linux/arm/v6", "linux/arm/v7",
                                          "linux/arm/v7", "linux/arm64/v8"};
        static const char *const only386[] = {"linux/386"};
        static const char *const amd[] = {"linux/amd64/v2", "linux/amd64/v4"};
        _cleanup_(manifest_freep) struct manifest *a = index_of(arm, ELEMENTSOF(arm));
        _cleanup_(manifest_freep) struct manifest *b = index_of(only386, 1);
        _cleanup_(manifest_freep) struct manifest *c = index_of(amd, ELEMENTSOF(amd));
        char msg[512];

        check(a && b && c);
        if (!a || !b || !c)
                return;
        /* the best variant first, the index's order among equals */
        check(choose(a, "linux/arm/v7", msg) == 2);
        check(choose(a, "linux/arm/v6", msg) == 1);
        check(choose(a, "linux/arm/v5", msg) == 0);
        /* arm64 does not fall back to 32-bit arm, amd64 not to 386 (unlike containerd) */
        check(choose(a, "linux/arm64", msg) == 4);
        check(choose(b, "linux/amd64", msg) == -1);
        check_str(msg, "no image for linux/amd64, the index has linux/386");
        /* x86-64-v3 takes v2, not v4; baseline takes neither */
        check(choose(c, "linux/amd64/v3", msg) == 0);
        check(choose(c, "linux/amd64/v4", msg) == 1);
        check(choose(c, "linux/amd64", msg) == -1);
        check_str(msg, "no image for linux/amd64, the index has linux/amd64/v2, linux/amd64/v4");
}

static void
test_choose_message(void)
{
        static const char *const hub[] = {"linux/amd64", "unknown/unknown", "linux/arm64/v8",
                                          "linux/amd64"};
        _cleanup_(manifest_freep) struct manifest *m = index_of(hub, ELEMENTSOF(hub));
        _cleanup_(manifest_freep) struct manifest *empty = index_of(NULL, 0);
        char msg[512];

        check(m && empty);
        if (!m || !empty)
                return;
        m->index->ref = strdup("docker.io/library/busybox:1.36");
        check(choose(m, "linux/s390x", msg) == -1);
        check_str(msg, "no image for linux/s390x in docker.io/library/busybox:1.36, the index "
                       "has linux/amd64, linux/arm64/v8");
        check(choose(empty, "linux/amd64", msg) == -1);
        check_str(msg, "no image for linux/amd64, the index names no platforms");
}

static void
test_choose_message_long_index(void)
{
        /* 40 platforms, each twice: the message names the first 32 and stops */
        char names[80][32], want[1024];
        const char *plats[80];
        struct manifest *m;
        size_t len = 0;
        char msg[512];

        for (int i = 0; i < 80; i++) {
                (void)snprintf(names[i], sizeof(names[i]), "linux/arch%d", i % 40);
                plats[i] = names[i];
        }
        m = index_of(plats, 80);
        check(m != NULL);
        if (!m)
                return;
        len += (size_t)snprintf(want, sizeof(want), "no image for linux/amd64, the index has ");
        for (int i = 0; i < 32; i++)
                len += (size_t)snprintf(want + len, sizeof(want) - len, "%slinux/arch%d",
                                        i ? ", " : "", i);
        (void)snprintf(want + len, sizeof(want) - len, ", ...");
        check(choose(m, "linux/amd64", msg) == -1);
        check_str(msg, want);
        manifest_free(m);
}

int
main(void)
{
        RUN(test_docker_manifest_list);
        RUN(test_buildkit_index_with_attestations);
        RUN(test_oci_manifest_layers);
        RUN(test_docker_manifest);
        RUN(test_oci_without_media_type);
        RUN(test_foreign_layer);
        RUN(test_embedded_data);
        RUN(test_manifest_errors);
        RUN(test_manifest_size_limit);
        RUN(test_check_digest);
        RUN(test_config_oci);
        RUN(test_config_docker_nulls);
        RUN(test_config_errors);
        RUN(test_check_config);
        RUN(test_platform_parse);
        RUN(test_platform_host);
        RUN(test_choose_table);
        RUN(test_choose_preferences);
        RUN(test_choose_message);
        RUN(test_choose_message_long_index);
        return check_done();
}
