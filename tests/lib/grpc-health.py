#!/usr/bin/env python3
# tests/lib/grpc-health.py PORT [HOST]: a gRPC server (python3-grpcio) that
# answers grpc.health.v1.Health/Check for berth's grpc probe tests, on
# HOST (127.0.0.1) and PORT, over cleartext HTTP/2. It prints "ready" once
# it listens, and serves until it is killed. Exit status 77: no grpc
# module (the tests skip then); 1: the port could not be bound.
#
# No generated code: a generic handler with identity (de)serializers gets
# the HealthCheckRequest's bytes and returns the HealthCheckResponse's.
# The service asked about selects the answer:
#   "" or "serving"   SERVING               (08 01)
#   "not-serving"     NOT_SERVING           (08 02)
#   "unknown-status"  a status of 7, no name (08 07)
#   "empty"           the empty message: UNKNOWN
#   "padded"          SERVING after a field berth does not know
#   "user-agent"      SERVING when the call came from kube-probe/1.30
#   "slow"            SERVING after 3 seconds
#   "missing"         no message: status NOT_FOUND (a trailers-only response)
#   anything else     NOT_FOUND, as grpc's own health service says it
import sys
import time

try:
    import grpc
    from concurrent import futures
except ImportError:
    print("python3 grpc is not importable", file=sys.stderr)
    sys.exit(77)

SERVING = b"\x08\x01"
NOT_SERVING = b"\x08\x02"


def service_of(request):
    """HealthCheckRequest.service: field 1, a length-delimited string."""
    i = 0
    service = ""
    while i < len(request):
        key = request[i]
        i += 1
        if key != 0x0A:
            raise ValueError("unexpected field %#x" % key)
        n, shift = 0, 0
        while True:
            c = request[i]
            i += 1
            n |= (c & 0x7F) << shift
            shift += 7
            if not c & 0x80:
                break
        service = request[i : i + n].decode()
        i += n
    return service


def check(request, context):
    service = service_of(request)
    if service in ("", "serving"):
        return SERVING
    if service == "not-serving":
        return NOT_SERVING
    if service == "unknown-status":
        return b"\x08\x07"
    if service == "empty":
        return b""
    if service == "padded":
        return b"\x12\x03abc" + SERVING
    if service == "user-agent":
        meta = dict(context.invocation_metadata())
        ok = meta.get("user-agent", "").startswith("kube-probe/1.30")
        return SERVING if ok else NOT_SERVING
    if service == "slow":
        time.sleep(3)
        return SERVING
    context.abort(grpc.StatusCode.NOT_FOUND, "unknown service")


class Health(grpc.GenericRpcHandler):
    def service(self, details):
        if details.method != "/grpc.health.v1.Health/Check":
            return None
        return grpc.unary_unary_rpc_method_handler(check)


def main():
    port = int(sys.argv[1])
    host = sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1"
    addr = "[%s]:%d" % (host, port) if ":" in host else "%s:%d" % (host, port)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4), handlers=[Health()])
    try:
        bound = server.add_insecure_port(addr)
    except RuntimeError:
        bound = 0
    if bound != port:
        print("cannot listen on %s" % addr, file=sys.stderr)
        sys.exit(1)
    server.start()
    print("ready", flush=True)
    server.wait_for_termination()


if __name__ == "__main__":
    main()
