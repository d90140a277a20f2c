// The published retry policy (proto/llmarket/service_config.json) as a connect-es interceptor:
// connect-es has no gRPC service config, so this applies it to every unary call it sees.
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { serviceConfig } from "./gen/service-config.js";
import { retryInfo } from "./errors.js";

/** One retry policy, as in a gRPC service config (durations in milliseconds). */
export interface RetryPolicy {
  maxAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  backoffMultiplier: number;
  retryableCodes: Code[];
}

/** What `retryInterceptor` takes besides the policy. */
export interface RetryOptions {
  /** Replaces the published policy of every service. */
  policy?: RetryPolicy;
  /** Called before each retry with the attempt that failed (1-based), its error and the delay
   * about to be waited; awaited, so a caller may log or wait for something. */
  onRetry?: (attempt: number, error: ConnectError, delayMs: number) => void | Promise<void>;
  /** Random number in [0, 1) for the jitter; `Math.random` by default. */
  random?: () => number;
}

const codeOf: Record<string, Code> = {
  UNAVAILABLE: Code.Unavailable,
  RESOURCE_EXHAUSTED: Code.ResourceExhausted,
  ABORTED: Code.Aborted,
  INTERNAL: Code.Internal,
  DEADLINE_EXCEEDED: Code.DeadlineExceeded,
  UNKNOWN: Code.Unknown,
};

function seconds(duration: string): number {
  return Math.round(parseFloat(duration.replace(/s$/, "")) * 1000);
}

/** The published retry policy of a fully-qualified service, e.g.
 * `llmarket.forecast.v2.ForecastService`; undefined for a service it does not name. */
export function retryPolicyOf(service: string): RetryPolicy | undefined {
  for (const method of serviceConfig.methodConfig) {
    if (method.name.some((n) => n.service === service)) {
      const p = method.retryPolicy;
      return {
        maxAttempts: p.maxAttempts,
        initialBackoffMs: seconds(p.initialBackoff),
        maxBackoffMs: seconds(p.maxBackoff),
        backoffMultiplier: p.backoffMultiplier,
        retryableCodes: p.retryableStatusCodes.map((c) => codeOf[c]),
      };
    }
  }
  return undefined;
}

/** Retries unary calls as the published service config says: up to `maxAttempts` attempts on a
 * retryable code, waiting a random time up to the exponential backoff (gRPC's retry design),
 * and at least the server's RetryInfo delay when it gives one. Never waits past the call's
 * deadline or after it is aborted. Streaming calls pass through untouched. */
export function retryInterceptor(options: RetryOptions = {}): Interceptor {
  const random = options.random ?? Math.random;
  return (next) => async (req) => {
    const policy = options.policy ?? retryPolicyOf(req.service.typeName);
    if (req.stream || policy === undefined) return next(req);
    let backoff = policy.initialBackoffMs;
    for (let attempt = 1; ; attempt++) {
      try {
        return await next(req);
      } catch (e) {
        const error = ConnectError.from(e);
        if (attempt >= policy.maxAttempts || !policy.retryableCodes.includes(error.code) || req.signal.aborted) {
          throw error;
        }
        const pushback = retryInfo(error)?.retryDelay;
        const asked = pushback ? Number(pushback.seconds) * 1000 + pushback.nanos / 1e6 : 0;
        const delay = Math.max(random() * backoff, asked);
        backoff = Math.min(backoff * policy.backoffMultiplier, policy.maxBackoffMs);
        await options.onRetry?.(attempt, error, delay);
        await sleep(delay, req.signal);
      }
    }
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(ConnectError.from(signal.reason));
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", abort);
      resolve();
    }, ms);
    const abort = () => {
      clearTimeout(timer);
      reject(ConnectError.from(signal.reason));
    };
    signal.addEventListener("abort", abort, { once: true });
  });
}
