// What the TypeScript test clients share: counting checks and printing them. Used by the interop
// client (client.ts beside this file) and the report page's Chromium test
// (web/test/page.test.ts).

let passed = 0;
let failed = 0;

/** Counts one check and prints "ok" or "FAIL" with its name (and the detail on failure). */
export function check(name: string, ok: boolean, detail: unknown = ""): void {
  if (ok) {
    passed++;
    console.log(`ok   ${name}`);
  } else {
    failed++;
    const shown =
      typeof detail === "string" ? detail : detail instanceof Error ? detail.message : JSON.stringify(detail);
    console.log(`FAIL ${name} ${shown}`);
  }
}

/** Prints "LABEL: N passed, N failed" and returns the exit code (1 on any failure). */
export function summary(label: string): number {
  console.log(`${label}: ${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}
