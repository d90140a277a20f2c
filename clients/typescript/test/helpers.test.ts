// Unit tests of the package's helpers without a server (node:test): page iteration and the retry
// interceptor driven by fake calls. The interop suite (tests/interop/ts) runs them against servers.
import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { DurationSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type UnaryRequest, type UnaryResponse } from "@connectrpc/connect";
import { all, pages, retryInfo, retryInterceptor, retryPolicyOf } from "../dist/index.js";
import { ForecastService } from "../dist/gen/llmarket/forecast/v2/forecast_pb.js";
import { RetryInfoSchema } from "../dist/gen/google/rpc/error_details_pb.js";

test("pages follows the tokens to the empty one", async () => {
  const asked: string[] = [];
  const got = await all(
    async (token) => {
      asked.push(token);
      const next = { "": "a", a: "b", b: "" }[token] ?? "";
      return { nextPageToken: next, items: [token] };
    },
    (r) => r.items,
  );
  assert.deepEqual(asked, ["", "a", "b"]);
  assert.deepEqual(got, ["", "a", "b"]);
});

test("pages refuses a server repeating its token", async () => {
  const iterate = async () => {
    for await (const _ of pages(async () => ({ nextPageToken: "same" }))) {
      // consume
    }
  };
  await assert.rejects(iterate, /repeated the page token same/);
});

/** A unary request to ForecastService.GetSeries with the given signal. */
function request(signal = new AbortController().signal): UnaryRequest {
  return {
    stream: false,
    service: ForecastService,
    method: ForecastService.method.getSeries,
    requestMethod: "POST",
    url: "http://x/llmarket.forecast.v2.ForecastService/GetSeries",
    signal,
    header: new Headers(),
    contextValues: undefined as never,
    message: {} as never,
  } as unknown as UnaryRequest;
}

/** A fake transport call failing with `codes` in turn, then answering. */
function failing(codes: Code[], details: ConstructorParameters<typeof ConnectError>[3] = []) {
  let calls = 0;
  const next = async (): Promise<UnaryResponse> => {
    const code = codes[calls++];
    if (code !== undefined) throw new ConnectError("fake", code, undefined, details);
    return { stream: false, message: {}, header: new Headers(), trailer: new Headers() } as unknown as UnaryResponse;
  };
  return { next, calls: () => calls };
}

test("the published policy of a v2 service: 4 attempts on UNAVAILABLE and RESOURCE_EXHAUSTED", () => {
  const policy = retryPolicyOf(ForecastService.typeName);
  assert.equal(policy?.maxAttempts, 4);
  assert.deepEqual(policy?.retryableCodes, [Code.Unavailable, Code.ResourceExhausted]);
  assert.equal(retryPolicyOf("no.such.Service"), undefined);
});

test("retries UNAVAILABLE and gives up after maxAttempts", async () => {
  const fake = failing([Code.Unavailable, Code.Unavailable, Code.Unavailable, Code.Unavailable, Code.Unavailable]);
  const call = retryInterceptor({ random: () => 0 })(fake.next as never);
  await assert.rejects(call(request()), (e: ConnectError) => e.code === Code.Unavailable);
  assert.equal(fake.calls(), 4);
  const recovers = failing([Code.Unavailable]);
  await retryInterceptor({ random: () => 0 })(recovers.next as never)(request());
  assert.equal(recovers.calls(), 2);
});

test("does not retry a code outside the policy", async () => {
  const fake = failing([Code.NotFound]);
  await assert.rejects(retryInterceptor()(fake.next as never)(request()), (e: ConnectError) => e.code === Code.NotFound);
  assert.equal(fake.calls(), 1);
});

test("waits at least the RetryInfo delay", async () => {
  const delay = create(RetryInfoSchema, { retryDelay: create(DurationSchema, { seconds: 0n, nanos: 50_000_000 }) });
  const detail = { desc: RetryInfoSchema, value: delay };
  assert.equal(retryInfo(new ConnectError("x", Code.ResourceExhausted, undefined, [detail]))?.retryDelay?.nanos, 50_000_000);
  const waits: number[] = [];
  const fake = failing([Code.ResourceExhausted], [detail]);
  await retryInterceptor({ random: () => 0, onRetry: (_a, _e, ms) => void waits.push(ms) })(fake.next as never)(request());
  assert.deepEqual(waits, [50]);
});

test("an aborted call stops waiting", async () => {
  const controller = new AbortController();
  const fake = failing([Code.Unavailable, Code.Unavailable]);
  const call = retryInterceptor({ random: () => 0.99, onRetry: () => controller.abort() })(fake.next as never);
  await assert.rejects(call(request(controller.signal)));
  assert.equal(fake.calls(), 1);
});
