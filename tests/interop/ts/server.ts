// A server the TypeScript interop client starts and restarts itself (the retry and quota checks):
// `llmarket-server all` on loopback, the forecast service on a port the caller may reuse.
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";

/** A running `llmarket-server all`. */
export interface Server {
  process: ChildProcess;
  forecast: string;
  taxonomy: string;
}

/** A loopback port free right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Starts `BIN all` with the forecast service on `forecastPort` and resolves once both services
 * log that they listen (JSON logs on stderr). */
export function start(bin: string, forecastPort: number, extra: string[] = []): Promise<Server> {
  const child = spawn(
    bin,
    ["all", "--forecast-listen", `127.0.0.1:${forecastPort}`, "--taxonomy-listen", "127.0.0.1:0",
      "--log-format", "json", "--shutdown-grace", "1s", ...extra],
    { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, RUST_LOG: "info" } },
  );
  return new Promise((resolve, reject) => {
    const addresses = new Map<string, string>();
    let buffered = "";
    const timer = setTimeout(() => reject(new Error("the server did not listen within 20 s")), 20_000);
    const early = (code: number | null) => reject(new Error(`the server exited with ${code}`));
    child.once("close", early);
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split("\n");
      for (const line of lines.slice(0, -1)) {
        const entry = line.startsWith("{") ? (JSON.parse(line) as { message?: string; service?: string; addr?: string }) : {};
        const service = /^llmarket\.(\w+)\.v1\./.exec(entry.service ?? "")?.[1];
        if (entry.message === "listening" && service !== undefined) addresses.set(service, entry.addr!);
      }
      buffered = lines[lines.length - 1];
      if (addresses.has("forecast") && addresses.has("taxonomy")) {
        clearTimeout(timer);
        child.removeListener("close", early);
        resolve({ process: child, forecast: addresses.get("forecast")!, taxonomy: addresses.get("taxonomy")! });
      }
    });
  });
}

/** Stops a server with SIGTERM and resolves once it has exited. */
export function stop(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (server.process.exitCode !== null || server.process.signalCode !== null) return resolve();
    server.process.once("close", () => resolve());
    server.process.kill("SIGTERM");
  });
}
