/*
 * storage/pull.c: a pull. Resolve the name, fetch the manifest (choosing a
 * platform from an index), the config, then every layer the store lacks,
 * in parallel: each blob streams from the registry into a pipe, and a
 * thread of its own digests, decompresses and extracts it into a temporary
 * directory that is renamed to layers/<chain id> once verified.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth.h"
#include "extract.h"
#include "image-record.h"
#include "layer-commit.h"
#include "manifest.h"
#include "reference.h"
#include "registries-conf.h"
#include "registry.h"
#include "store.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/fs.h"

#define CONFIG_MAX (8u << 20)

struct layer_job {
        struct storage *s;
        const char *what_image;
        const char *digest, *diff_id, *media_type;
        uint64_t size;
        struct layer_commit lc; /* exists: in the store already; committed: moved into place */
        int pipe_r, pipe_w;
        pthread_t thread;
        bool thread_started;
        int result;
        struct berr *err;
};

static void *
extract_thread(void *arg)
{
        struct layer_job *j = arg;
        _cleanup_free_ char *what = NULL;
        struct extract_opts eo = {
                .expect_digest = j->digest,
                .expect_diff_id = j->diff_id,
                .compression = layer_compression_from_media_type(j->media_type),
        };

        if (asprintf(&what, "%s layer %s", j->what_image, j->digest) < 0) {
                j->result = berr(&j->err, ENOMEM, "layer");
                goto out;
        }
        eo.what = what;
        j->result = layer_commit_extract(&j->lc, j->pipe_r, &eo, &j->err);
out:
        /* the writer sees EPIPE and stops when we stop early */
        (void)close(j->pipe_r);
        j->pipe_r = -EBADF;
        return NULL;
}

struct pull {
        struct storage *s;
        struct layer_job *jobs;
        size_t n_jobs;
        struct blob_fetch *fetches;
        size_t *fetch_job; /* fetches[i] is for jobs[fetch_job[i]] */
        size_t n_fetches;
        struct storage_blob_progress *prog;
};

static void
report_blobs(void *userdata, const struct blob_fetch *b, size_t n)
{
        struct pull *p = userdata;
        const struct storage_events *ev = &p->s->opts.events;
        size_t k = 0;

        if (!ev->blobs)
                return;
        for (size_t i = 0; i < p->n_jobs; i++) {
                struct layer_job *j = &p->jobs[i];
                /* what the fetches said last time stays: this may be a call without them */
                p->prog[i].digest = j->digest;
                p->prog[i].size = j->size;
                p->prog[i].exists = j->lc.exists;
                p->prog[i].finished = p->prog[i].finished || j->lc.exists || j->lc.committed;
                if (j->lc.committed)
                        p->prog[i].done = j->size;
        }
        for (size_t i = 0; i < n && k < p->n_fetches; i++, k++) {
                struct storage_blob_progress *g = &p->prog[p->fetch_job[i]];
                /* the fetch workers update these while we read */
                g->done = __atomic_load_n(&b[i].done, __ATOMIC_RELAXED);
                g->finished = __atomic_load_n(&b[i].finished, __ATOMIC_ACQUIRE) && b[i].result == 0;
        }
        ev->blobs(ev->userdata, p->prog, p->n_jobs);
}

static void
on_blob_finished(void *userdata, struct blob_fetch *b)
{
        struct pull *p = userdata;
        struct layer_job *j = &p->jobs[p->fetch_job[b - p->fetches]];

        /* end of stream for the extractor */
        if (j->pipe_w >= 0) {
                (void)close(j->pipe_w);
                j->pipe_w = -EBADF;
        }
}

static void
job_cleanup(struct layer_job *j)
{
        if (j->pipe_w >= 0)
                (void)close(j->pipe_w);
        if (j->thread_started)
                pthread_join(j->thread, NULL);
        if (j->pipe_r >= 0)
                (void)close(j->pipe_r);
        layer_commit_done(&j->lc);
        berr_free(j->err);
        *j = (struct layer_job){.pipe_r = -EBADF, .pipe_w = -EBADF, .lc = LAYER_COMMIT_INIT};
}

/* Fetch and extract every layer the store lacks. */
static int
pull_layers(struct storage *s, struct registry *reg, const char *repo, const char *what,
            struct pull *p, struct berr **err)
{
        int r = 0;

        /* locks in base-first order: pulls that share layers share their whole base too */
        for (size_t i = 0; i < p->n_jobs; i++) {
                struct layer_job *j = &p->jobs[i];
                int fds[2];

                r = layer_commit_begin(s, j->lc.chain_hex, &j->lc, err);
                if (r < 0)
                        return r;
                if (j->lc.exists)
                        continue;
                if (pipe2(fds, O_CLOEXEC) < 0)
                        return berr(err, errno, "pipe");
                j->pipe_r = fds[0];
                j->pipe_w = fds[1];
                /* a roomy pipe lets the network run ahead of the disk a little */
                (void)fcntl(j->pipe_w, F_SETPIPE_SZ, 1 << 20);
                j->what_image = what;
                if (pthread_create(&j->thread, NULL, extract_thread, j) != 0)
                        return berr(err, EAGAIN, "start a thread");
                j->thread_started = true;
                p->fetches[p->n_fetches] =
                        (struct blob_fetch){.digest = j->digest, .size = j->size, .fd = j->pipe_w};
                p->fetch_job[p->n_fetches++] = i;
        }
        report_blobs(p, NULL, 0);
        if (p->n_fetches > 0) {
                int max = s->opts.max_parallel > 0 ? s->opts.max_parallel : 3;
                struct berr *fetch_err = NULL;

                r = registry_fetch_blobs(reg, repo, p->fetches, p->n_fetches, max, report_blobs,
                                         on_blob_finished, p, &fetch_err);
                /* wait for every extractor before judging */
                for (size_t i = 0; i < p->n_jobs; i++) {
                        struct layer_job *j = &p->jobs[i];
                        if (j->pipe_w >= 0) {
                                (void)close(j->pipe_w);
                                j->pipe_w = -EBADF;
                        }
                        if (j->thread_started) {
                                pthread_join(j->thread, NULL);
                                j->thread_started = false;
                        }
                }
                /* an extractor's own error says more than the broken pipe it caused */
                for (size_t i = 0; i < p->n_jobs; i++) {
                        struct layer_job *j = &p->jobs[i];
                        if (j->result < 0 && j->err) {
                                if (err && !*err)
                                        *err = TAKE_PTR(j->err);
                                berr_free(fetch_err);
                                return j->result;
                        }
                }
                if (r < 0) {
                        if (err && !*err)
                                *err = fetch_err;
                        else
                                berr_free(fetch_err);
                        return r;
                }
                for (size_t i = 0; i < p->n_fetches; i++)
                        for (size_t k = 0; k < p->n_jobs; k++)
                                if (p->fetch_job[i] == k && p->fetches[i].result < 0)
                                        return berr(err, -p->fetches[i].result, "%s",
                                                    p->fetches[i].error);
        }
        for (size_t i = 0; i < p->n_jobs; i++) {
                struct layer_job *j = &p->jobs[i];
                if (j->lc.exists || !j->lc.tmp_name)
                        continue;
                r = layer_commit_finish(&j->lc, j->digest, j->diff_id, j->media_type, j->size, err);
                if (r < 0)
                        return r;
        }
        report_blobs(p, NULL, 0);
        return 0;
}

/* ------------------------------------------------------------ resolving a name */

struct candidate {
        char *name; /* canonical reference */
        char *host; /* where to connect (registries.conf location) */
        char *repo; /* repository at that host */
        bool tls_verify;
};

static void
candidates_free(struct candidate *c, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(c[i].name);
                free(c[i].host);
                free(c[i].repo);
        }
        free(c);
}

/* registries.conf: location rewrites and insecure flags of the registry that holds ref */
static int
candidate_of(struct storage *s, const struct image_ref *ref, struct candidate *out,
             struct berr **err)
{
        _cleanup_free_ char *name = image_ref_string(ref);
        const struct registry_entry *e;
        _cleanup_free_ char *repo_path = NULL;

        if (!name)
                return berr(err, ENOMEM, "reference");
        e = registries_conf_find(s->conf, name);
        if (e && e->blocked)
                return berr(err, EACCES, "%s: the registry is blocked in registries.conf", name);
        if (asprintf(&repo_path, "%s/%s", ref->registry, ref->repository) < 0)
                return berr(err, ENOMEM, "reference");
        if (e && e->location && e->prefix &&
            strncmp(repo_path, e->prefix, strlen(e->prefix)) == 0 && e->prefix[0] != '*') {
                /* prefix rewritten to location: host is its first part */
                _cleanup_free_ char *rewritten = NULL;
                char *slash;
                if (asprintf(&rewritten, "%s%s", e->location, repo_path + strlen(e->prefix)) < 0)
                        return berr(err, ENOMEM, "reference");
                slash = strchr(rewritten, '/');
                if (!slash)
                        return berr(err, 0,
                                    "%s: registries.conf maps it to \"%s\", which names no "
                                    "repository",
                                    name, rewritten);
                out->host = strndup(rewritten, (size_t)(slash - rewritten));
                out->repo = strdup(slash + 1);
        } else {
                /* Docker Hub's API lives at registry-1.docker.io */
                out->host = strdup(strcmp(ref->registry, "docker.io") == 0 ? "registry-1.docker.io"
                                                                           : ref->registry);
                out->repo = strdup(ref->repository);
        }
        out->tls_verify = s->opts.tls_verify == 1   ? true
                          : s->opts.tls_verify == 0 ? false
                                                    : !(e && e->insecure);
        out->name = TAKE_PTR(name);
        if (!out->host || !out->repo)
                return berr(err, ENOMEM, "reference");
        return 0;
}

static int
resolve(struct storage *s, const char *input, struct image_ref **ret_ref, struct candidate **ret,
        size_t *ret_n, struct berr **err)
{
        _cleanup_(image_ref_freep) struct image_ref *ref = NULL;
        struct candidate *c = NULL;
        size_t n = 0;
        int r;

        r = image_ref_parse(input, &ref, err);
        if (r < 0)
                return r;
        if (!ref->short_name) {
                c = calloc(1, sizeof(*c));
                if (!c)
                        return berr(err, ENOMEM, "reference");
                r = candidate_of(s, ref, &c[0], err);
                if (r < 0) {
                        candidates_free(c, 1);
                        return r;
                }
                *ret = c;
                *ret_n = 1;
                *ret_ref = TAKE_PTR(ref);
                return 0;
        }
        {
                /* registries.conf [aliases]: a short name that names one image */
                _cleanup_free_ char *typed = strdup(input), *full = NULL;
                char *cut = typed ? strchr(typed, '@') : NULL;
                const char *alias;

                if (!typed)
                        return berr(err, ENOMEM, "reference");
                if (cut)
                        *cut = '\0';
                cut = strrchr(typed, ':');
                if (cut && !strchr(cut, '/'))
                        *cut = '\0';
                alias = registries_conf_alias(s->conf, typed);
                if (alias) {
                        _cleanup_(image_ref_freep) struct image_ref *aliased = NULL;
                        if (asprintf(&full, "%s%s%s", alias, ref->digest ? "@" : ":",
                                     ref->digest ? ref->digest : ref->tag) < 0)
                                return berr(err, ENOMEM, "reference");
                        r = image_ref_parse(full, &aliased, err);
                        if (r < 0)
                                return berr_wrap(err, "registries.conf alias of %s", typed);
                        c = calloc(1, sizeof(*c));
                        if (!c)
                                return berr(err, ENOMEM, "reference");
                        r = candidate_of(s, aliased, &c[0], err);
                        if (r < 0) {
                                candidates_free(c, 1);
                                return r;
                        }
                        *ret = c;
                        *ret_n = 1;
                        *ret_ref = TAKE_PTR(aliased);
                        return 0;
                }
        }
        if (s->conf->n_search == 0)
                return berr(err, 0,
                            "short-name \"%s\" did not resolve to an alias and no "
                            "unqualified-search registries are defined in "
                            "registries.conf: give the full name, such as "
                            "docker.io/library/%s",
                            input, input);
        c = calloc(s->conf->n_search, sizeof(*c));
        if (!c)
                return berr(err, ENOMEM, "reference");
        for (size_t i = 0; i < s->conf->n_search; i++) {
                _cleanup_(image_ref_freep) struct image_ref *q =
                        image_ref_with_registry(ref, s->conf->search[i]);
                if (!q) {
                        candidates_free(c, n);
                        return berr(err, ENOMEM, "reference");
                }
                r = candidate_of(s, q, &c[n], err);
                if (r < 0) {
                        candidates_free(c, n + 1);
                        return r;
                }
                n++;
        }
        *ret = c;
        *ret_n = n;
        *ret_ref = TAKE_PTR(ref);
        return 0;
}

static int
credentials(struct storage *s, const struct image_ref *ref, const char *host, char **ret_user,
            char **ret_password, struct berr **err)
{
        if (s->opts.creds) {
                const char *colon = strchr(s->opts.creds, ':');
                *ret_user = colon ? strndup(s->opts.creds, (size_t)(colon - s->opts.creds))
                                  : strdup(s->opts.creds);
                *ret_password = strdup(colon ? colon + 1 : "");
                if (!*ret_user || !*ret_password)
                        return berr(err, ENOMEM, "credentials");
                return 0;
        }
        return auth_file_lookup(s->opts.auth_file, ref->registry, ref->repository, ret_user,
                                ret_password, err);
}

/* ------------------------------------------------------------ the pull */

static int
pull_one(struct storage *s, const struct image_ref *ref, const struct candidate *c,
         const struct platform *want, char **ret_id, struct berr **err)
{
        _cleanup_(registry_freep) struct registry *reg = NULL;
        _cleanup_(manifest_freep) struct manifest *m = NULL, *top = NULL;
        _cleanup_(image_config_freep) struct image_config *config = NULL;
        _cleanup_free_ char *user = NULL, *password = NULL, *body = NULL, *ctype = NULL;
        _cleanup_free_ char *cbody = NULL;
        _cleanup_free_ char(*chains)[DIGEST_STRING_MAX] = NULL;
        struct registry_opts ro = {.tls_verify = c->tls_verify};
        struct pull p = {.s = s};
        size_t len = 0, clen = 0;
        int r;

        r = credentials(s, ref, c->host, &user, &password, err);
        if (r < 0)
                return r;
        ro.user = user;
        ro.password = password;
        r = registry_new(c->host, &ro, &reg, err);
        if (r < 0)
                return r;
        r = registry_get_manifest(reg, c->repo, ref->digest ? ref->digest : ref->tag, &body, &len,
                                  &ctype, err);
        if (r < 0)
                return r;
        r = manifest_parse(body, len, ctype, &top, err);
        if (r < 0)
                return berr_wrap(err, "%s", c->name);
        if (ref->digest) {
                r = manifest_check_digest(top, ref->digest, err);
                if (r < 0)
                        return berr_wrap(err, "%s", c->name);
        }
        if (top->index) {
                const struct index_entry *entry = NULL;
                top->index->ref = c->name ? strdup(c->name) : NULL;
                r = manifest_index_choose(top->index, want, &entry, err);
                if (r < 0)
                        return r;
                free(body);
                free(ctype);
                body = ctype = NULL;
                r = registry_get_manifest(reg, c->repo, entry->desc.digest, &body, &len, &ctype,
                                          err);
                if (r < 0)
                        return r;
                r = manifest_parse(body, len, ctype, &m, err);
                if (r < 0)
                        return berr_wrap(err, "%s", c->name);
                r = manifest_check_digest(m, entry->desc.digest, err);
                if (r < 0)
                        return berr_wrap(err, "%s", c->name);
                if (!m->image)
                        return berr(err, 0,
                                    "%s: the index entry %s is itself an index, expected "
                                    "an image manifest",
                                    c->name, entry->desc.digest);
        } else {
                m = TAKE_PTR(top);
        }

        r = registry_get_blob(reg, c->repo, m->image->config.digest, IMAGE_CONFIG_SIZE_MAX, &cbody,
                              &clen, err);
        if (r < 0)
                return r;
        r = image_config_parse(cbody, clen, m->image->config.media_type, &config, err);
        if (r < 0)
                return berr_wrap(err, "%s: config", c->name);
        r = manifest_check_config(m->image, config, err);
        if (r < 0)
                return berr_wrap(err, "%s", c->name);
        if (s->opts.events.config)
                s->opts.events.config(s->opts.events.userdata, config->digest);

        chains = calloc(m->image->n_layers ? m->image->n_layers : 1, sizeof(*chains));
        p.jobs = calloc(m->image->n_layers ? m->image->n_layers : 1, sizeof(*p.jobs));
        p.fetches = calloc(m->image->n_layers ? m->image->n_layers : 1, sizeof(*p.fetches));
        p.fetch_job = calloc(m->image->n_layers ? m->image->n_layers : 1, sizeof(*p.fetch_job));
        p.prog = calloc(m->image->n_layers ? m->image->n_layers : 1, sizeof(*p.prog));
        if (!chains || !p.jobs || !p.fetches || !p.fetch_job || !p.prog) {
                r = berr(err, ENOMEM, "pull");
                goto out;
        }
        r = layer_chain_ids(config->diff_ids, m->image->n_layers, chains);
        if (r < 0) {
                r = berr(err, -r, "chain ids");
                goto out;
        }
        p.n_jobs = m->image->n_layers;
        for (size_t i = 0; i < p.n_jobs; i++) {
                struct layer_job *j = &p.jobs[i];
                *j = (struct layer_job){
                        .s = s, .pipe_r = -EBADF, .pipe_w = -EBADF, .lc = LAYER_COMMIT_INIT};
                snprintf(j->lc.chain_hex, sizeof(j->lc.chain_hex), "%s", digest_hex(chains[i]));
                j->digest = m->image->layers[i].desc.digest;
                j->diff_id = config->diff_ids[i];
                j->media_type = m->image->layers[i].desc.media_type;
                j->size = m->image->layers[i].desc.size;
        }
        r = pull_layers(s, reg, c->repo, c->name, &p, err);
        if (r < 0)
                goto out;
        if (s->opts.events.writing)
                s->opts.events.writing(s->opts.events.userdata);
        {
                const char *names[] = {c->name};
                struct image_record rec = {
                        .manifest = m->raw,
                        .manifest_len = m->raw_len,
                        .manifest_digest = m->digest,
                        .manifest_media_type = manifest_kind_media_type(m->kind),
                        .config = config,
                        .chains = chains,
                        .n_layers = p.n_jobs,
                        .size = layer_sizes(s, chains, p.n_jobs),
                        .names = names,
                        .n_names = 1,
                };
                r = image_record_write(s, &rec, err);
        }
        if (r < 0)
                goto out;
        *ret_id = strdup(digest_hex(config->digest));
        if (!*ret_id)
                r = berr(err, ENOMEM, "pull");
out:
        for (size_t i = 0; p.jobs && i < p.n_jobs; i++)
                job_cleanup(&p.jobs[i]);
        for (size_t i = 0; p.fetches && i < p.n_fetches; i++)
                free(p.fetches[i].error);
        free(p.jobs);
        free(p.fetches);
        free(p.fetch_job);
        free(p.prog);
        return r;
}

int
storage_pull(struct storage *s, const char *name, char **ret_id, struct berr **err)
{
        _cleanup_(image_ref_freep) struct image_ref *ref = NULL;
        struct candidate *c = NULL;
        struct platform want = {0};
        size_t n = 0;
        int r;

        if (s->opts.platform) {
                r = platform_parse(s->opts.platform, &want, err);
                if (r < 0)
                        return r;
        } else {
                platform_host(&want);
        }
        r = store_registries(s, err);
        if (r == 0)
                r = resolve(s, name, &ref, &c, &n, err);
        if (r < 0)
                goto out;
        for (size_t i = 0; i < n; i++) {
                _cleanup_(image_ref_freep) struct image_ref *q =
                        ref->short_name ? image_ref_with_registry(ref, s->conf->search[i]) : NULL;
                struct berr *e = NULL;

                if (s->opts.events.trying)
                        s->opts.events.trying(s->opts.events.userdata, c[i].name);
                r = pull_one(s, q ? q : ref, &c[i], &want, ret_id, &e);
                if (r == 0)
                        break;
                /* a short name tries the next registry when this one has no such image */
                if (i + 1 < n && (r == -ENOENT || r == -EACCES)) {
                        berr_free(e);
                        continue;
                }
                if (err && !*err)
                        *err = e;
                else
                        berr_free(e);
                break;
        }
out:
        /* the shared layers this image of this node uses: a prune of the store keeps them */
        if (r == 0 && ret_id && *ret_id)
                (void)store_shared_ref_update(s, *ret_id, false);
        candidates_free(c, n);
        platform_done(&want);
        return r;
}
