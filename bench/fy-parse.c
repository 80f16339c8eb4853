/* fy-parse: the floor for `berth kube validate`. Parses every YAML stream
 * named on the command line into libfyaml documents, one after another, and
 * frees them: the least work any YAML-reading validator must do. Exits 1 on
 * the first file that does not parse. */
#include <libfyaml.h>
#include <stdio.h>
#include <stdlib.h>

int
main(int argc, char **argv)
{
        const struct fy_parse_cfg cfg = {.flags = FYPCF_QUIET | FYPCF_DEFAULT_VERSION_1_1};
        unsigned long docs = 0;

        for (int i = 1; i < argc; i++) {
                struct fy_parser *fyp = fy_parser_create(&cfg);
                struct fy_document *fyd;

                if (!fyp || fy_parser_set_input_file(fyp, argv[i]) != 0) {
                        fprintf(stderr, "fy-parse: %s: cannot open\n", argv[i]);
                        return 1;
                }
                /* A file holds a stream of documents: load each one, not just the first. */
                while ((fyd = fy_parse_load_document(fyp)) != NULL) {
                        docs++;
                        fy_parse_document_destroy(fyp, fyd);
                }
                if (fy_parser_get_stream_error(fyp)) {
                        fprintf(stderr, "fy-parse: %s: YAML error\n", argv[i]);
                        fy_parser_destroy(fyp);
                        return 1;
                }
                fy_parser_destroy(fyp);
        }
        if (getenv("FY_PARSE_COUNT"))
                printf("%lu documents\n", docs);
        return 0;
}
